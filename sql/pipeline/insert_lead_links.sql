-- insert_lead_links: create run :run_id's planned lead links in canon.identity_links
-- (LEAD_EVENT_RECONSTRUCTION, score 100, HIGH, snapshot at the event date 00:00 UTC, evidence
-- with the run id, event id, level and match strategy). A lead row linked meanwhile by someone
-- else is left to its owner (mark_lost_lead_links then records it).
-- Returns nothing; the row count is the number of links created.
insert into canon.identity_links (
    person_key,
    source_table,
    source_pk,
    snapshot_date,
    match_rule,
    match_score,
    confidence_level,
    evidence
)
select
    planned.person_key,
    planned.source_table,
    planned.source_pk,
    planned.event_date::timestamp at time zone 'UTC',
    'LEAD_EVENT_RECONSTRUCTION',
    100,
    'HIGH'::confidencelevel,
    jsonb_build_object(
        'run_id', cast(:run_id as text),
        'event_id', planned.event_id,
        'level', planned.level,
        'match_strategy', planned.match_strategy,
        'driver_id', planned.driver_id
    )
from orphans.run_links as planned
where planned.run_id = :run_id
order by planned.source_table, planned.source_pk
on conflict (source_table, source_pk) do nothing
