-- create_leak_check_views_function: orphans.leak_check_views(), the views the proof of the
-- operational exclusion reads: every view of schemas ops and observational that exposes a
-- driver_id, CT4's own included, except the quarantine list ops.v_driver_orphans; and whether
-- each is CT4's (orphans.ct4_views). SECURITY DEFINER, search path pinned. Returns setof
-- (view_name, is_ct4).
create or replace function orphans.leak_check_views()
returns table (view_name text, is_ct4 boolean)
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    select
        quote_ident(namespace.nspname) || '.' || quote_ident(relation.relname),
        exists (
            select 1
            from orphans.ct4_views as ct4_view
            where ct4_view.view_name
                = quote_ident(namespace.nspname) || '.' || quote_ident(relation.relname)
        )
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
    order by 1;
end
