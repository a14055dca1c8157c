-- record_ct4_views: record as CT4's every view (or materialized view) of schemas ops and
-- observational that the project did not create: all of them, except, where revision 0003 ran
-- its files (orphans.parse_date_file exists), the names 0003 and 0007 created. Runs before this
-- revision creates anything. Returns nothing.
insert into orphans.ct4_views (view_name)
select format('%I.%I', namespace.nspname, relation.relname)
from pg_catalog.pg_class as relation
inner join pg_catalog.pg_namespace as namespace
    on namespace.oid = relation.relnamespace
where namespace.nspname in ('ops', 'observational')
    and relation.relkind in ('v', 'm')
    and not (
        to_regprocedure('orphans.parse_date_file(text)') is not null
        and namespace.nspname = 'ops'
        and relation.relname = any (array[
            'v_operational_drivers', 'v_driver_origin', 'v_driver_trips',
            'v_cabinet_funnel_status', 'v_cabinet_milestones', 'v_payment_calculation',
            'v_cabinet_claims', 'mv_cabinet_claims_collection', 'v_eligible_drivers',
            'v_driver_orphans', 'mv_cabinet_claims_computed'
        ])
    )
order by 1
on conflict (view_name) do nothing
