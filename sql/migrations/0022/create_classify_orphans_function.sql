-- create_classify_orphans_function: orphans.classify_orphans(run_id, part, parts), revision
-- 0019's function (the same relations staged in orphans.run_events, one row per (driver, event)
-- at the event's best level for that driver, each candidate's events looked up by index), for
-- one share of the candidates: those whose driver_id hashes to `part` of `parts`. A candidate's
-- relations depend on no other candidate, so the shares, staged side by side in sessions that
-- read one snapshot (classify.classify_orphans), stage exactly what one statement staged:
-- 3.0 s -> 1.4 s for 97,500 candidates at 1,000,000 drivers on 2 cores (an INSERT's plan is
-- never parallel in PostgreSQL). Part 0 of 1 is every candidate. Returns bigint: the relations
-- staged.
create or replace function orphans.classify_orphans(
    p_run_id text, p_part integer, p_parts integer
)
returns bigint
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    select orphans.require_run(p_run_id, false);
    select orphans.require_run_part(p_part, p_parts);
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
                -- This session's share: a candidate's relations are its own, whoever else is
                -- staged (mod keeps the hash's sign: a negative one is share remainder + parts).
                and mod(hashtext(candidate.driver_id), p_parts) in (p_part, p_part - p_parts)
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

        related as (
            select
                event.id as event_id,
                candidates.driver_id,
                'L1' as level,
                false as by_license,
                false as by_phone
            from candidates
            inner join lead_events as event
                on orphans.payload_driver_ids(event.payload_json) @> array[candidates.driver_key]
            union all
            select
                event.id as event_id,
                candidates.driver_id,
                'L2' as level,
                true as by_license,
                false as by_phone
            from candidates
            cross join lateral (
                select event.id
                from lead_events as event
                where orphans.normalize_license(event.payload_json ->> 'driver_license')
                    = candidates.license_key
                offset 0
            ) as event
            union all
            select
                event.id as event_id,
                candidates.driver_id,
                'L2' as level,
                false as by_license,
                true as by_phone
            from candidates
            cross join lateral (
                select event.id
                from lead_events as event
                where orphans.normalize_phone(event.payload_json ->> 'driver_phone')
                    = candidates.phone_key
                offset 0
            ) as event
            union all
            select
                event.id as event_id,
                candidates.driver_id,
                'L2' as level,
                false as by_license,
                true as by_phone
            from candidates
            cross join lateral (
                select event.id
                from lead_events as event
                where event.source_table = 'module_ct_cabinet_leads'
                    and orphans.normalize_phone(event.payload_json ->> 'park_phone')
                    = candidates.phone_key
                offset 0
            ) as event
            union all
            select
                event.id as event_id,
                candidates.driver_id,
                'L3' as level,
                false as by_license,
                false as by_phone
            from candidates
            inner join lead_events as event
                on event.person_key = candidates.person_key
        ),

        -- The lowest level wins; at L2, both keys matching is both_exact.
        best_relation as (
            select
                related.event_id,
                related.driver_id,
                min(related.level) as level,
                case min(related.level)
                    when 'L1' then 'driver_id_direct'
                    when 'L3' then 'person_key_match'
                    else case
                        when bool_or(related.by_license) and bool_or(related.by_phone)
                            then 'both_exact'
                        when bool_or(related.by_license) then 'license_exact'
                        else 'phone_exact'
                    end
                end as match_strategy
            from related
            group by related.event_id, related.driver_id
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
        cross join lateral (
            select event.id, event.source_table, event.source_pk, event.event_date
            from observational.lead_events as event
            where event.id = best_relation.event_id
            offset 0
        ) as event
        returning 1
    )
    select count(*) from staged;
end
