-- create_cabinet_claims_computed_matview: orphans.mv_cabinet_claims_computed, the claims of
-- ops.v_cabinet_claims (C3) as of its last refresh, where it does not exist yet (created empty:
-- `orphans-pipeline db upgrade` fills it after the migrations, timed; then the daily
-- cabinet_claims_computed asset refreshes it). Returns nothing.
create materialized view if not exists orphans.mv_cabinet_claims_computed as
select
    claims.driver_id,
    claims.person_key,
    claims.milestone,
    claims.amount,
    claims.lead_date,
    claims.claimable_from
from ops.v_cabinet_claims as claims
with no data
