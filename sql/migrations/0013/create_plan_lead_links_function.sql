-- create_plan_lead_links_function: orphans.plan_lead_links(run_id), the lead links the
-- running run creates (a dry run: would create), one per usable lead row, credited to the first
-- candidate driver (by driver_id) it is usable for. Returns bigint: the planned links.
create or replace function orphans.plan_lead_links(p_run_id text)
returns bigint
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    select orphans.require_run(p_run_id, false);
    with planned as (
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
            p_run_id,
            event.source_table,
            event.source_pk,
            event.person_key,
            event.driver_id,
            event.event_id,
            event.event_date,
            event.level,
            event.match_strategy
        from orphans.run_events as event
        where event.run_id = p_run_id
            and event.why = 'usable'
        order by event.source_table, event.source_pk, event.driver_id
        returning 1
    )
    select count(*) from planned;
end
