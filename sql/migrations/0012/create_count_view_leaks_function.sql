-- create_count_view_leaks_function: orphans.count_view_leaks(), the proof of the operational
-- exclusion over every view of schemas ops and observational that exposes a driver_id, CT4's
-- own included, except the quarantine list ops.v_driver_orphans: per view, how many of its rows
-- show a driver that is quarantined or purged, and up to 20 of them. The project's views are
-- probed per excluded driver (a LATERAL lookup the planner pushes into them: seconds at
-- 1,000,000 drivers); CT4's (orphans.ct4_views), whose joins and windows a driver filter does
-- not enter, are read once with a semi-join on the excluded drivers. SECURITY DEFINER, search
-- path pinned: the roles learn the counts without being granted CT4's views. Returns setof
-- (view_name, leaks, driver_ids).
create or replace function orphans.count_view_leaks()
returns table (view_name text, leaks bigint, driver_ids text[])
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_view record;
begin
    for v_view in
        select
            format('%I.%I', namespace.nspname, relation.relname) as name,
            exists (
                select 1
                from orphans.ct4_views as ct4_view
                where ct4_view.view_name = format('%I.%I', namespace.nspname, relation.relname)
            ) as is_ct4
        from pg_catalog.pg_class as relation
        inner join pg_catalog.pg_namespace as namespace
            on namespace.oid = relation.relnamespace
        inner join pg_catalog.pg_attribute as driver_column
            on driver_column.attrelid = relation.oid
            and driver_column.attname = 'driver_id'
            and not driver_column.attisdropped
        where namespace.nspname in ('ops', 'observational')
            and relation.relkind = 'v'
            and (namespace.nspname, relation.relname) <> ('ops', 'v_driver_orphans')
        order by 1
    loop
        if v_view.is_ct4 then
            return query execute format(
                'select %L::text, count(*), '
                '(array_agg(distinct view_rows.driver_id::text))[1:20] '
                'from %s as view_rows '
                'where exists (select 1 from canon.driver_orphan_quarantine as quarantine '
                'where quarantine.driver_id = view_rows.driver_id::text '
                'and quarantine.status in (''quarantined'', ''purged''))',
                v_view.name,
                v_view.name
            );
        else
            return query execute format(
                'select %L::text, count(*), (array_agg(distinct excluded.driver_id::text))[1:20] '
                'from canon.driver_orphan_quarantine as excluded '
                'cross join lateral (select 1 from %s as view_rows '
                'where view_rows.driver_id = excluded.driver_id) as probe '
                'where excluded.status in (''quarantined'', ''purged'')',
                v_view.name,
                v_view.name
            );
        end if;
    end loop;
end
$$
