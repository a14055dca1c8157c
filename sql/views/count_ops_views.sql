-- count_ops_views: rows in each ops view, for the ops_views asset's metadata. Returns one row.
select
    (select count(*) from ops.v_operational_drivers) as operational_drivers,
    (select count(*) from ops.v_cabinet_funnel_status) as funnel_rows,
    (select count(*) from ops.v_payment_calculation) as payment_rows,
    (select coalesce(sum(amount_due), 0) from ops.v_payment_calculation) as payment_amount_due,
    (select count(*) from ops.mv_cabinet_claims_collection) as claims_for_collection,
    (select count(*) from ops.v_eligible_drivers) as eligible_drivers,
    (select count(*) from ops.v_driver_orphans) as driver_orphans_rows
