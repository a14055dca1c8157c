-- count_ops_views: figures for the ops_views asset's metadata, from the cheap relations: the
-- operational drivers, the claims list for collection just refreshed (claims and amount), and
-- the orphans view. The funnel and payment views are left to their readers: counting them
-- here would compute them again. Returns one row.
select
    (select count(*) from ops.v_operational_drivers) as operational_drivers,
    (select count(*) from ops.mv_cabinet_claims_collection) as claims_for_collection,
    (select coalesce(sum(amount), 0) from ops.mv_cabinet_claims_collection) as claims_amount,
    (
        select count(distinct driver_id)
        from ops.mv_cabinet_claims_collection
    ) as drivers_with_claims,
    (select count(*) from ops.v_driver_orphans) as driver_orphans_rows
