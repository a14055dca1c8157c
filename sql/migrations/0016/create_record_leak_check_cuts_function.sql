-- create_record_leak_check_cuts_function: orphans.record_leak_check_cuts(cut, read,
-- budget_seconds), what one leak check learnt: the views its budget cut are remembered (their
-- definition's md5, the budget, now), the views it read in time are forgotten. The pipeline
-- role's one write outside a run's steps, harmless by construction: a remembered cut only ever
-- turns a read into "unverified" (a WARN), never into a pass. SECURITY DEFINER, search path
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
    select cut_view.view_name, orphans.view_closure_md5(cut_view.view_name), p_budget_seconds
    from unnest(p_cut) as cut_view (view_name)
    where p_budget_seconds is not null
        and orphans.view_closure_md5(cut_view.view_name) is not null
    on conflict (view_name) do update
    set
        definition_md5 = excluded.definition_md5,
        budget_seconds = excluded.budget_seconds,
        cut_at = now();
end
