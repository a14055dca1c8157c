-- count_ops_view_leaks: quarantined or purged drivers that appear in an ops view (there must be
-- none). Each view is probed per excluded driver (a LATERAL lookup the planner pushes into the
-- view), rather than computed whole: at 1,000,000 drivers that is seconds instead of minutes.
-- Returns one row: leaks (count), driver_ids (up to 20), and the count per view.
with excluded as (
    select quarantine.driver_id
    from canon.driver_orphan_quarantine as quarantine
    where quarantine.status in ('quarantined', 'purged')
),

leaks as (
    select probe.view_name, excluded.driver_id
    from excluded
    cross join lateral (
        select 'v_operational_drivers' as view_name
        from ops.v_operational_drivers as view_rows
        where view_rows.driver_id = excluded.driver_id
        union all
        select 'v_cabinet_funnel_status'
        from ops.v_cabinet_funnel_status as view_rows
        where view_rows.driver_id = excluded.driver_id
        union all
        select 'v_payment_calculation'
        from ops.v_payment_calculation as view_rows
        where view_rows.driver_id = excluded.driver_id
        union all
        select 'v_cabinet_claims'
        from ops.v_cabinet_claims as view_rows
        where view_rows.driver_id = excluded.driver_id
        union all
        select 'mv_cabinet_claims_collection'
        from ops.mv_cabinet_claims_collection as view_rows
        where view_rows.driver_id = excluded.driver_id
        union all
        select 'v_eligible_drivers'
        from ops.v_eligible_drivers as view_rows
        where view_rows.driver_id = excluded.driver_id
    ) as probe
)

select
    (select count(*) from leaks) as leaks,
    array(select distinct driver_id from leaks order by driver_id limit 20) as driver_ids,
    coalesce(
        (select jsonb_object_agg(view_name, n)
         from (select view_name, count(*) as n from leaks group by view_name) as per_view),
        '{}'::jsonb
    ) as per_view
