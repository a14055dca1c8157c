-- create_mark_lost_lead_links_function: orphans.mark_lost_lead_links(run_id), after
-- insert_lead_links, mark as not created the planned links whose lead row a concurrent writer
-- linked first, so outcomes are judged on what was really written. Returns bigint: the links
-- lost.
create or replace function orphans.mark_lost_lead_links(p_run_id text)
returns bigint
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    select orphans.require_run(p_run_id, true);
    with lost as (
        update orphans.run_links as planned
        set is_created = false
        where planned.run_id = p_run_id
            and not exists (
                select 1
                from canon.identity_links as link
                where link.source_table = planned.source_table
                    and link.source_pk = planned.source_pk
                    and link.match_rule = 'LEAD_EVENT_RECONSTRUCTION'
                    and link.evidence ->> 'run_id' = cast(p_run_id as text)
            )
        returning 1
    )
    select count(*) from lost;
end
