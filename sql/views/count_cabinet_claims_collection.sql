-- count_cabinet_claims_collection: figures of the claims list for collection as CT4 reads it
-- (the computed claims of the drivers operational now), and the orphans view's rows. Reads the
-- claims list and the quarantine rows, not the trips. Returns one row.
with collection as (
    select claims.driver_id, claims.amount
    from ops.mv_cabinet_claims_collection as claims
)

select
    (select count(*) from collection) as claims_for_collection,
    (select coalesce(sum(collection.amount), 0) from collection) as claims_amount,
    (select count(distinct collection.driver_id) from collection) as drivers_with_claims,
    (select count(*) from ops.v_driver_orphans) as driver_orphans_rows
