-- refresh_cabinet_claims_computed: recompute the claims from every operational driver's trips
-- without blocking the readers of the claims list (needs a populated view). Returns nothing.
refresh materialized view concurrently orphans.mv_cabinet_claims_computed
