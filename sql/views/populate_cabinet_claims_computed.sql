-- populate_cabinet_claims_computed: the first fill of the claims the migration created empty
-- (a concurrent refresh needs a populated view). Returns nothing.
refresh materialized view orphans.mv_cabinet_claims_computed
