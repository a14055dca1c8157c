-- create_classify_orphans_function: orphans.classify_orphans(run_id), stage in
-- orphans.run_events every lead event related to a candidate of the running run, one row per
-- (driver, event) at the event's best level for that driver (L1 driver_id_direct; L2
-- license_exact / phone_exact / both_exact; L3 person_key_match), only events of the three lead
-- tables; the statement of sql/pipeline/classify_orphans.sql of revision 0011, as a function of
-- the owner's. Returns bigint: the relations staged.
create or replace function orphans.classify_orphans(p_run_id text)
returns bigint
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    select orphans.require_run(p_run_id, false);
    with staged as (
        insert into orphans.run_events (
            run_id,
            driver_id,
            person_key,
            event_id,
            source_table,
            source_pk,
            event_date,
            level,
            match_strategy
        )
        with candidates as (
            select
                candidate.driver_id,
                candidate.driver_key,
                candidate.person_key,
                orphans.driver_license_key(
                    driver.license_normalized_number, driver.license_number
                ) as license_key,
                orphans.normalize_phone(driver.phone) as phone_key
            from orphans.run_candidates as candidate
            left join public.drivers as driver
                on driver.driver_id = candidate.driver_id
            where candidate.run_id = p_run_id
        ),

        lead_events as not materialized (
            select
                event.id,
                event.person_key,
                event.payload_json,
                event.source_table
            from observational.lead_events as event
            where event.source_table = any (orphans.lead_tables())
        ),

        l1_matches as (
            select distinct
                event.id as event_id,
                candidates.driver_id
            from candidates
            inner join lead_events as event
                on orphans.payload_driver_ids(event.payload_json) @> array[candidates.driver_key]
        ),

        l2_license_matches as (
            select
                event.id as event_id,
                candidates.driver_id
            from candidates
            inner join lead_events as event
                on orphans.normalize_license(event.payload_json ->> 'driver_license')
                    = candidates.license_key
        ),

        l2_phone_matches as (
            select
                event.id as event_id,
                candidates.driver_id
            from candidates
            inner join lead_events as event
                on orphans.normalize_phone(event.payload_json ->> 'driver_phone') = candidates.phone_key
            union
            select
                event.id as event_id,
                candidates.driver_id
            from candidates
            inner join lead_events as event
                on event.source_table = 'module_ct_cabinet_leads'
                and orphans.normalize_phone(event.payload_json ->> 'park_phone') = candidates.phone_key
        ),

        l2_matches as (
            select
                coalesce(by_license.event_id, by_phone.event_id) as event_id,
                coalesce(by_license.driver_id, by_phone.driver_id) as driver_id,
                case
                    when by_license.event_id is not null and by_phone.event_id is not null
                        then 'both_exact'
                    when by_license.event_id is not null then 'license_exact'
                    else 'phone_exact'
                end as match_strategy
            from l2_license_matches as by_license
            full join l2_phone_matches as by_phone
                on by_phone.event_id = by_license.event_id
                and by_phone.driver_id = by_license.driver_id
        ),

        l3_matches as (
            select
                event.id as event_id,
                candidates.driver_id
            from candidates
            inner join lead_events as event
                on event.person_key = candidates.person_key
        ),

        related as (
            select event_id, driver_id, 'L1' as level, 'driver_id_direct' as match_strategy
            from l1_matches
            union all
            select event_id, driver_id, 'L2' as level, match_strategy
            from l2_matches
            union all
            select event_id, driver_id, 'L3' as level, 'person_key_match' as match_strategy
            from l3_matches
        ),

        best_relation as (
            select distinct on (related.driver_id, related.event_id)
                related.event_id,
                related.driver_id,
                related.level,
                related.match_strategy
            from related
            order by related.driver_id, related.event_id, related.level
        )

        select
            p_run_id,
            best_relation.driver_id,
            candidates.person_key,
            event.id,
            event.source_table,
            event.source_pk,
            event.event_date,
            best_relation.level,
            best_relation.match_strategy
        from best_relation
        inner join candidates
            on candidates.driver_id = best_relation.driver_id
        inner join observational.lead_events as event
            on event.id = best_relation.event_id
        returning 1
    )
    select count(*) from staged;
end
