-- plan_lead_links: the lead links run :run_id creates (a dry run: would create), one per usable
-- lead row, credited to the first candidate driver (by driver_id) it is usable for.
-- Returns nothing; the row count is the number of planned links.
insert into orphans.run_links (
    run_id,
    source_table,
    source_pk,
    person_key,
    driver_id,
    event_id,
    event_date,
    level,
    match_strategy
)
select distinct on (event.source_table, event.source_pk)
    :run_id,
    event.source_table,
    event.source_pk,
    event.person_key,
    event.driver_id,
    event.event_id,
    event.event_date,
    event.level,
    event.match_strategy
from orphans.run_events as event
where event.run_id = :run_id
    and event.why = 'usable'
order by event.source_table, event.source_pk, event.driver_id
