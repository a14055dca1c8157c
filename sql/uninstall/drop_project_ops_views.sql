-- drop_project_ops_views: the project's views in schema ops (revision 0012 and earlier) and its
-- own relations built on them (the computed claims, its funnel), each after what depends on
-- it; a view of schema ops that CT4 had before the project (orphans.ct4_views) is CT4's and
-- stays. Nothing is dropped in cascade: a CT4 object built on one of them stops the downgrade,
-- named by PostgreSQL. Returns nothing.
do $$
declare
    v_relation record;
begin
    for v_relation in
        select ours.name, ours.kind
        from unnest(
            array[
                'ops.mv_cabinet_claims_collection', 'ops.v_eligible_drivers',
                'orphans.mv_cabinet_claims_computed', 'ops.v_cabinet_claims',
                'ops.v_payment_calculation', 'ops.v_cabinet_milestones',
                'ops.v_cabinet_funnel_status', 'orphans.v_cabinet_funnel_status',
                'ops.v_driver_orphans', 'ops.v_driver_trips', 'ops.v_driver_origin',
                'ops.v_operational_drivers'
            ],
            array[
                'view', 'view', 'materialized view', 'view', 'view', 'view', 'view', 'view',
                'view', 'view', 'view', 'view'
            ]
        ) with ordinality as ours (name, kind, position)
        where to_regclass(ours.name) is not null
            and not exists (
                select 1 from orphans.ct4_views as ct4_view where ct4_view.view_name = ours.name
            )
        order by ours.position
    loop
        execute format('drop %s %s', v_relation.kind, v_relation.name);
    end loop;
end
$$
