-- refresh_cabinet_claims_collection: refresh the claims list for collection without blocking
-- its readers. Returns nothing.
refresh materialized view concurrently ops.mv_cabinet_claims_collection
