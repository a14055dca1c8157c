-- create_cabinet_claims_collection_matview: ops.mv_cabinet_claims_collection (C4), the claims
-- list for collection, materialized as in CT4; the ops_views asset refreshes it concurrently
-- after every execute. Returns nothing.
create materialized view if not exists ops.mv_cabinet_claims_collection as
select
    claims.driver_id,
    claims.person_key,
    claims.milestone,
    claims.amount,
    claims.lead_date,
    claims.claimable_from
from ops.v_cabinet_claims as claims
