-- create_cabinet_claims_computed_matview: ops.mv_cabinet_claims_computed, the claims of
-- ops.v_cabinet_claims (C3) as of its last refresh: the trips-driven part of the claims list,
-- refreshed concurrently by the cabinet_claims_computed asset on its own daily schedule, not
-- by the weekly run. Created empty: filling it reads every driver's origin and trips, a step of
-- its own (`orphans-pipeline db upgrade` does it after the migrations, timed). Returns nothing.
create materialized view if not exists ops.mv_cabinet_claims_computed as
select
    claims.driver_id,
    claims.person_key,
    claims.milestone,
    claims.amount,
    claims.lead_date,
    claims.claimable_from
from ops.v_cabinet_claims as claims
with no data
