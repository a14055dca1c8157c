-- create_record_leak_check_cuts_function: orphans.record_leak_check_cuts(cut, read,
-- budget_seconds), what one leak check learnt: the views its budget cut are remembered (the
-- md5 of their definition and of the views they read, the budget, now), the views it read in
-- time are forgotten. Only CT4's views of orphans.leak_check_views() are taken, with a budget of
-- at most an hour: a remembered cut turns a read into "unverified" (a WARN that fails the
-- check), never into a pass, and whoever calls it cannot make a view go unread under a larger
-- budget than an hour. Granted to the pipeline role only. SECURITY DEFINER, search path
-- pinned. Returns nothing.
create or replace function orphans.record_leak_check_cuts(
    p_cut text[],
    p_read text[],
    p_budget_seconds numeric
)
returns void
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    delete from orphans.leak_check_cuts as cut
    where cut.view_name = any(p_read);
    insert into orphans.leak_check_cuts as cut (view_name, definition_md5, budget_seconds)
    select distinct
        probe.view_name,
        orphans.view_closure_md5(probe.view_name),
        p_budget_seconds
    from orphans.leak_check_views() as probe
    where probe.is_ct4
        and probe.view_name = any(p_cut)
        and p_budget_seconds > 0
        and p_budget_seconds <= 3600
        and orphans.view_closure_md5(probe.view_name) is not null
    on conflict (view_name) do update
    set
        definition_md5 = excluded.definition_md5,
        budget_seconds = excluded.budget_seconds,
        cut_at = now();
end
