-- select_legacy_views_apply: whether revisions 0003, 0007 and 0010 may run their view files as
-- they did when they landed: only where the lead tables' date columns are `date` (those views
-- add days to them) and no relation of a name they create exists yet in schema ops (a CT4 view
-- of that name is CT4's and never replaced). Elsewhere revision 0012 creates the project's
-- views, for every date-like type. Returns one row: applies (boolean).
select
    not exists (
        select 1
        from information_schema.columns as lead_column
        where (lead_column.table_schema, lead_column.table_name, lead_column.column_name) in (
            ('public', 'module_ct_cabinet_leads', 'lead_created_at'),
            ('public', 'module_ct_scouting_daily', 'registration_date'),
            ('public', 'module_ct_migrations', 'hire_date')
        )
            and lead_column.data_type <> 'date'
    )
    and not exists (
        select 1
        from pg_catalog.pg_class as relation
        inner join pg_catalog.pg_namespace as namespace
            on namespace.oid = relation.relnamespace
        where namespace.nspname = 'ops'
            and relation.relname = any (array[
                'v_operational_drivers', 'v_driver_origin', 'v_driver_trips',
                'v_cabinet_funnel_status', 'v_cabinet_milestones', 'v_payment_calculation',
                'v_cabinet_claims', 'mv_cabinet_claims_collection', 'v_eligible_drivers',
                'v_driver_orphans', 'mv_cabinet_claims_computed'
            ])
    ) as applies
