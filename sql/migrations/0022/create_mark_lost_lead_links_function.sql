-- create_mark_lost_lead_links_function: orphans.mark_lost_lead_links(run_id), revision 0013's
-- function (after insert_lead_links, mark as not created the planned links whose lead row a
-- concurrent writer linked first), with each planned link's lead row looked up by index. The
-- links insert_lead_links has just written are in no statistics yet: estimating one link of the
-- run where there were 42,500, the planner read every LEAD_EVENT_RECONSTRUCTION link once for
-- each planned one (31-72 s at 1,000,000 drivers once the work table's statistics held a former
-- run's rows; 0.1 s otherwise). The lookups grow with the planned links, not with CT4. Returns
-- bigint: the links lost.
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
                -- offset 0: for each planned link, its lead row's link by the unique
                -- (source_table, source_pk), whatever the statistics say of the links just
                -- written (none yet, to them: a hash or nested scan of every link followed).
                offset 0
            )
        returning 1
    )
    select count(*) from lost;
end
