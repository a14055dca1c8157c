-- create_leak_check_views_function: orphans.leak_check_views(), the views the proof of the
-- operational exclusion reads: every view of schemas ops and observational that exposes a
-- driver_id, CT4's own included, except the quarantine list ops.v_driver_orphans; whether each
-- is CT4's (orphans.ct4_views); and which of those views each reads, directly or not (a view
-- built on one too slow to read is as slow). SECURITY DEFINER, search path pinned.
-- Returns setof (view_name, is_ct4, reads), in an order where a view comes after those it
-- reads.
create or replace function orphans.leak_check_views()
returns table (view_name text, is_ct4 boolean, reads text[])
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    with recursive probed as (
        select
            relation.oid,
            quote_ident(namespace.nspname) || '.' || quote_ident(relation.relname) as name
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
    ),

    -- The relations each view's rule reads, then what those read in turn.
    uses as (
        select distinct rule_.ev_class as view_oid, dependency.refobjid as used_oid
        from pg_catalog.pg_rewrite as rule_
        inner join pg_catalog.pg_depend as dependency
            on dependency.classid = 'pg_catalog.pg_rewrite'::regclass
            and dependency.objid = rule_.oid
            and dependency.refclassid = 'pg_catalog.pg_class'::regclass
            and dependency.refobjid <> rule_.ev_class
    ),

    reads as (
        select uses.view_oid, uses.used_oid
        from uses
        union
        select reads.view_oid, uses.used_oid
        from reads
        inner join uses
            on uses.view_oid = reads.used_oid
    )

    select
        probed.name,
        exists (
            select 1
            from orphans.ct4_views as ct4_view
            where ct4_view.view_name = probed.name
        ),
        array(
            select used.name
            from reads
            inner join probed as used
                on used.oid = reads.used_oid
            where reads.view_oid = probed.oid
            order by used.name
        )
    from probed
    order by
        (select count(*) from reads where reads.view_oid = probed.oid),
        probed.name;
end
