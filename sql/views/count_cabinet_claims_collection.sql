-- count_cabinet_claims_collection: figures of the claims list for collection, read from the
-- computed claims less the drivers now quarantined or purged (an anti-join on the quarantine
-- table), so the cost follows the claims list, not the drivers: the same rows CT4 reads
-- through ops.v_operational_drivers unless a driver link vanished outside the quarantine since
-- the last refresh. driver_orphans_rows: the rows of orphans.v_driver_orphans (one per quarantine
-- row). Returns one row.
with collection as (
    select computed.driver_id, computed.amount
    from orphans.mv_cabinet_claims_computed as computed
    where not exists (
        select 1
        from canon.driver_orphan_quarantine as quarantine
        where quarantine.driver_id = computed.driver_id
            and quarantine.status in ('quarantined', 'purged')
    )
)

select
    count(*) as claims_for_collection,
    coalesce(sum(collection.amount), 0) as claims_amount,
    count(distinct collection.driver_id) as drivers_with_claims,
    (select count(*) from canon.driver_orphan_quarantine) as driver_orphans_rows
from collection
