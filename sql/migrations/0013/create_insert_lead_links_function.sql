-- create_insert_lead_links_function: orphans.insert_lead_links(run_id), create the running
-- execute's planned lead links in canon.identity_links (LEAD_EVENT_RECONSTRUCTION, score 100,
-- HIGH, snapshot at the event date 00:00 UTC, evidence with the run id, event id, level and
-- match strategy), under the pipeline lock. Its rule is checked again as it writes: a lead row
-- that has gained a link under any of its keys since it was judged (a concurrent writer got
-- there first) is left to its owner, and mark_lost_lead_links then records it. Returns bigint:
-- the links created.
create or replace function orphans.insert_lead_links(p_run_id text)
returns bigint
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    select orphans.require_run(p_run_id, true);
    select orphans.require_pipeline_lock();
    with created as (
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
            'HIGH',
            jsonb_build_object(
                'run_id', p_run_id,
                'event_id', planned.event_id,
                'level', planned.level,
                'match_strategy', planned.match_strategy,
                'driver_id', planned.driver_id
            )
        from orphans.run_links as planned
        where planned.run_id = p_run_id
            and not exists (
                select 1
                from orphans.lead_row_links(planned.source_table, planned.source_pk)
            )
        order by planned.source_table, planned.source_pk
        on conflict (source_table, source_pk) do nothing
        returning 1
    )
    select count(*) from created;
end
