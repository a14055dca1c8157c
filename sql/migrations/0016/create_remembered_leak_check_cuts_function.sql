-- create_remembered_leak_check_cuts_function: orphans.remembered_leak_check_cuts(budget_seconds,
-- days), the views of orphans.leak_check_cuts the check names unverified without reading them
-- again: cut less than `days` ago, their definition and those of the views they read unchanged
-- (orphans.view_closure_md5), under a budget at least as large as this one (a larger budget
-- reads them again; a null budget is none, larger than any). SECURITY DEFINER, search path
-- pinned. Returns setof view_name.
create or replace function orphans.remembered_leak_check_cuts(
    p_budget_seconds numeric,
    p_days integer
)
returns table (view_name text)
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    select cut.view_name
    from orphans.leak_check_cuts as cut
    where cut.cut_at > now() - make_interval(days => p_days)
        and cut.budget_seconds >= p_budget_seconds
        and cut.definition_md5 = orphans.view_closure_md5(cut.view_name)
    order by cut.view_name;
end
