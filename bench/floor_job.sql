-- The floor: the weekly job written by hand as plain set-based SQL, in one transaction, with
-- no views and none of the pipeline's work tables, registry or reports: detect, classify
-- (L1/L2/L3, ambiguity, L1 ownership), judge usability (lead row exists, no other owner, a
-- lead row's owners looked up under both its keys: a scouting row's id::text and CT4's md5
-- key, domain.md), create the links, judge every candidate on the final state, upsert the
-- quarantine rows with their evidence (their trigger appends the history). It uses the
-- project's normalisation functions and indexes (migrations), as any hand-written version on
-- that schema would. bench/run.py runs it with psql after `db upgrade` (and again after
-- bench/touch.sql), times it and compares its outcome with the pipeline's.
\set ON_ERROR_STOP on
\timing on
begin;
select pg_advisory_xact_lock(4851560213872920654);
-- The quarantine table's history trigger (revisions 0006, 0013) needs an actor and, for actor
-- pipeline, a run registered in orphans.runs: the floor registers itself as a run (its one
-- registry statement, closed at the end). psql -v run_id=... names it; 'floor' by default.
\if :{?run_id}
\else
\set run_id floor
\endif
select orphans.register_run(:'run_id', 'execute', null, null);
select set_config('orphans.actor', 'pipeline', true), set_config('orphans.run_id', :'run_id', true);

-- detect: orphans (not purged) and rows still quarantined
create temporary table floor_candidates on commit drop as
with driver_links as (
    select link.id, link.person_key, link.source_pk as driver_id, link.match_rule
    from canon.identity_links as link
    where link.source_table = 'drivers'
)
select driver_links.driver_id, driver_links.person_key, driver_links.match_rule
from driver_links
where not exists (
    select 1 from canon.identity_links as lead_link
    where lead_link.person_key = driver_links.person_key
        and lead_link.source_table = any (orphans.lead_tables())
)
and not exists (
    select 1 from canon.driver_orphan_quarantine as purged
    where purged.driver_id = driver_links.driver_id and purged.status = 'purged'
)
union
select quarantine.driver_id, coalesce(driver_links.person_key, quarantine.person_key),
       coalesce(driver_links.match_rule, quarantine.creation_rule)
from canon.driver_orphan_quarantine as quarantine
left join driver_links on driver_links.driver_id = quarantine.driver_id
where quarantine.status = 'quarantined';
analyze floor_candidates;

-- classify: every lead event related to a candidate, at its best level
create temporary table floor_events on commit drop as
with candidates as (
    select candidate.driver_id, candidate.person_key,
           orphans.driver_license_key(driver.license_normalized_number, driver.license_number)
               as license_key,
           orphans.normalize_phone(driver.phone) as phone_key
    from floor_candidates as candidate
    left join public.drivers as driver on driver.driver_id = candidate.driver_id
),
lead_events as not materialized (
    select event.* from observational.lead_events as event
    where event.source_table = any (orphans.lead_tables())
),
related as (
    select event.id as event_id, candidates.driver_id, 1 as level, 'driver_id_direct' as how
    from candidates
    inner join lead_events as event
        on orphans.payload_driver_ids(event.payload_json) @> array[btrim(candidates.driver_id)]
    union all
    select event.id, candidates.driver_id, 2, 'license_exact'
    from candidates
    inner join lead_events as event
        on orphans.normalize_license(event.payload_json ->> 'driver_license')
            = candidates.license_key
    union all
    select event.id, candidates.driver_id, 2, 'phone_exact'
    from candidates
    inner join lead_events as event
        on orphans.normalize_phone(event.payload_json ->> 'driver_phone') = candidates.phone_key
    union all
    select event.id, candidates.driver_id, 2, 'phone_exact'
    from candidates
    inner join lead_events as event
        on event.source_table = 'module_ct_cabinet_leads'
        and orphans.normalize_phone(event.payload_json ->> 'park_phone') = candidates.phone_key
    union all
    select event.id, candidates.driver_id, 3, 'person_key_match'
    from candidates
    inner join lead_events as event on event.person_key = candidates.person_key
),
best as (
    select related.driver_id, related.event_id, min(related.level) as level,
           case
               when min(related.level) = 1 then 'driver_id_direct'
               when min(related.level) = 3 then 'person_key_match'
               when bool_or(related.how = 'license_exact') and bool_or(related.how = 'phone_exact')
                   then 'both_exact'
               when bool_or(related.how = 'license_exact') then 'license_exact'
               else 'phone_exact'
           end as how
    from related
    group by related.driver_id, related.event_id
)
select best.*, candidates.person_key, event.source_table, event.source_pk, event.event_date,
       event.payload_json
from best
inner join candidates on candidates.driver_id = best.driver_id
inner join observational.lead_events as event on event.id = best.event_id;
analyze floor_events;

-- the persons each strong event names (L1) or matches (L2), to find ambiguity and ownership
create temporary table floor_event_persons on commit drop as
with strong as (
    select distinct event_id, payload_json from floor_events where level in (1, 2)
),
named as (
    select strong.event_id, link.person_key, true as is_named
    from strong
    cross join lateral unnest(orphans.payload_driver_ids(strong.payload_json)) as named (key)
    inner join canon.identity_links as link
        on link.source_table = 'drivers' and btrim(link.source_pk) = named.key
),
keys as (
    select strong.event_id,
           orphans.normalize_license(strong.payload_json ->> 'driver_license') as license_key,
           orphans.normalize_phone(strong.payload_json ->> 'driver_phone') as phone_key,
           orphans.normalize_phone(strong.payload_json ->> 'park_phone') as park_phone_key
    from strong
),
matched as (
    select keys.event_id, link.person_key, false as is_named
    from keys
    inner join public.drivers as driver
        on orphans.driver_license_key(driver.license_normalized_number, driver.license_number)
            = keys.license_key
    inner join canon.identity_links as link
        on link.source_table = 'drivers' and link.source_pk = driver.driver_id
    union
    select keys.event_id, link.person_key, false
    from keys
    inner join public.drivers as driver
        on orphans.normalize_phone(driver.phone) in (keys.phone_key, keys.park_phone_key)
    inner join canon.identity_links as link
        on link.source_table = 'drivers' and link.source_pk = driver.driver_id
)
select * from named
union
select * from matched;

-- judge: strong, unambiguous, not another person's L1, lead row present, no other owner
create temporary table floor_judged on commit drop as
with others as (
    select event.driver_id, event.event_id,
           coalesce(bool_or(
               other.person_key is distinct from event.person_key
               and (other.is_named or event.level = 2)
           ), false) as taken_or_ambiguous
    from floor_events as event
    left join floor_event_persons as other on other.event_id = event.event_id
    where event.level in (1, 2)
    group by event.driver_id, event.event_id
)
select
    event.*,
    event.level in (1, 2)
    and not coalesce(others.taken_or_ambiguous, true)
    and orphans.lead_row_exists(event.source_table, event.source_pk)
    and not exists (
        select 1 from canon.identity_links as owner
        where owner.source_table = event.source_table
            and owner.source_pk = event.source_pk
            and owner.person_key is distinct from event.person_key
    )
    -- a scouting row also belongs to whoever CT4's ingestion linked it under its md5 key: another
    -- person's (a conflict) or this one's (linked already: nothing to create)
    and not exists (
        select 1
        from public.module_ct_scouting_daily as scouting
        inner join canon.identity_links as owner
            on owner.source_table = 'module_ct_scouting_daily'
            and owner.source_pk = orphans.scouting_source_key(
                scouting.scout_id, scouting.driver_phone, scouting.driver_license,
                scouting.registration_date::date)
        where event.source_table = 'module_ct_scouting_daily'
            and scouting.id = orphans.source_pk_id(event.source_pk)
    ) as is_usable
from floor_events as event
left join others
    on others.driver_id = event.driver_id and others.event_id = event.event_id;

-- repair: one link per usable lead row
insert into canon.identity_links (
    person_key, source_table, source_pk, snapshot_date, match_rule, match_score,
    confidence_level, evidence
)
select distinct on (judged.source_table, judged.source_pk)
    judged.person_key, judged.source_table, judged.source_pk,
    judged.event_date::timestamp at time zone 'UTC', 'LEAD_EVENT_RECONSTRUCTION', 100,
    'HIGH'::confidencelevel,
    jsonb_build_object('run_id', :'run_id', 'event_id', judged.event_id,
                       'level', 'L' || judged.level, 'match_strategy', judged.how,
                       'driver_id', judged.driver_id)
from floor_judged as judged
where judged.is_usable
order by judged.source_table, judged.source_pk, judged.level, judged.driver_id
on conflict (source_table, source_pk) do nothing;

-- outcome on the final state, with the evidence (up to 20 events and the total)
create temporary table floor_outcomes on commit drop as
with evidence as (
    select judged.driver_id, count(*) as events_count,
           jsonb_agg(
               jsonb_build_object('event_id', judged.event_id, 'level', 'L' || judged.level,
                                  'match_strategy', judged.how, 'usable', judged.is_usable)
               order by judged.level, judged.event_id
           ) filter (where judged.level is not null) as events
    from floor_judged as judged
    group by judged.driver_id
)
select
    candidate.driver_id,
    candidate.person_key,
    candidate.match_rule,
    current.status as from_status,
    current.detected_reason as from_reason,
    case when exists (
        select 1 from canon.identity_links as lead_link
        where lead_link.person_key = candidate.person_key
            and lead_link.source_table = any (orphans.lead_tables())
    ) then 'resolved_relinked' else 'quarantined' end as to_status,
    coalesce(evidence.events_count, 0) as events_count,
    jsonb_build_object(
        'lead_events_count', coalesce(evidence.events_count, 0),
        'events', coalesce(jsonb_path_query_array(evidence.events, '$[0 to 19]'), '[]'),
        'registry', to_jsonb(registry) - 'flags'
    ) as evidence_json
from floor_candidates as candidate
left join evidence on evidence.driver_id = candidate.driver_id
left join canon.driver_orphan_quarantine as current on current.driver_id = candidate.driver_id
left join canon.identity_registry as registry on registry.person_key = candidate.person_key;

create temporary table floor_final on commit drop as
select
    outcome.*,
    case
        when outcome.to_status = 'resolved_relinked' and outcome.from_status is not null
            then outcome.from_reason::text
        when outcome.to_status = 'resolved_relinked' and outcome.events_count > 0
            then 'no_lead_has_events'
        when outcome.to_status = 'resolved_relinked' then 'no_lead_no_events'
        when outcome.events_count > 0 then 'no_lead_has_events_repair_failed'
        else 'no_lead_no_events'
    end as to_reason
from floor_outcomes as outcome;

insert into canon.driver_orphan_quarantine as quarantine (
    driver_id, person_key, detected_reason, creation_rule, evidence_json, status, resolved_at,
    resolution_notes
)
select final.driver_id, final.person_key, final.to_reason::orphan_detected_reason,
       final.match_rule, final.evidence_json, final.to_status::orphan_status,
       case when final.to_status <> 'quarantined' then now() end,
       case when final.to_status <> 'quarantined' then 'lead link re-created from events' end
from floor_final as final
on conflict (driver_id) do update
set person_key = excluded.person_key,
    detected_reason = excluded.detected_reason,
    creation_rule = excluded.creation_rule,
    evidence_json = excluded.evidence_json,
    status = excluded.status,
    resolved_at = excluded.resolved_at,
    resolution_notes = excluded.resolution_notes
where (quarantine.person_key, quarantine.detected_reason, quarantine.creation_rule,
       quarantine.evidence_json, quarantine.status)
    is distinct from (excluded.person_key, excluded.detected_reason, excluded.creation_rule,
                      excluded.evidence_json, excluded.status);

select orphans.finish_run(:'run_id', 'succeeded', null, null, null, null);
commit;
