-- create_count_view_leaks_function: orphans.count_view_leaks(view_name), how many rows of one
-- view of orphans.leak_check_views() show a driver that is quarantined or purged, and up to 20
-- of them. The project's views are probed per excluded driver (a LATERAL lookup the planner
-- pushes into them: seconds at 1,000,000 drivers); CT4's (orphans.ct4_views), whose joins and
-- windows a driver filter does not enter, are read once with a semi-join on the excluded
-- drivers. One view per call, so the caller can give each its own time budget. Refuses a name
-- that is not one of those views. SECURITY DEFINER, search path pinned: the roles learn the
-- counts without being granted CT4's views. Returns one row (leaks, driver_ids).
create or replace function orphans.count_view_leaks(p_view_name text)
returns table (leaks bigint, driver_ids text[])
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_is_ct4 boolean;
begin
    select probe.is_ct4 into v_is_ct4
    from orphans.leak_check_views() as probe
    where probe.view_name = p_view_name;
    if not found then
        raise exception '% is not a view the leak check reads', quote_literal(p_view_name)
            using errcode = 'OR400';
    end if;
    if v_is_ct4 then
        return query execute format(
            'select count(*), (array_agg(distinct view_rows.driver_id::text))[1:20] '
            'from %s as view_rows '
            'where exists (select 1 from canon.driver_orphan_quarantine as quarantine '
            'where quarantine.driver_id = view_rows.driver_id::text '
            'and quarantine.status in (''quarantined'', ''purged''))',
            p_view_name
        );
    else
        return query execute format(
            'select count(*), (array_agg(distinct excluded.driver_id::text))[1:20] '
            'from canon.driver_orphan_quarantine as excluded '
            'cross join lateral (select 1 from %s as view_rows '
            'where view_rows.driver_id = excluded.driver_id) as probe '
            'where excluded.status in (''quarantined'', ''purged'')',
            p_view_name
        );
    end if;
end
$$
