-- create_cabinet_claims_collection_view: ops.mv_cabinet_claims_collection (C4), the claims list
-- for collection CT4 reads (same name and columns as ever): the computed claims filtered at
-- read time through ops.v_operational_drivers, so a driver a run or a review quarantines or
-- purges is gone the moment that transaction commits. Returns nothing.
create or replace view ops.mv_cabinet_claims_collection as
select
    computed.driver_id,
    computed.person_key,
    computed.milestone,
    computed.amount,
    computed.lead_date,
    computed.claimable_from
from orphans.mv_cabinet_claims_computed as computed
where exists (
    select 1
    from ops.v_operational_drivers as operational
    where operational.driver_id = computed.driver_id
)
