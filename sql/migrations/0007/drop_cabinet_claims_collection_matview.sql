-- drop_cabinet_claims_collection_matview: the claims list for collection stops being a
-- materialized view that every run had to refresh; it becomes a view of the same name and
-- columns over ops.mv_cabinet_claims_computed (create_cabinet_claims_collection_view).
-- Returns nothing.
drop materialized view if exists ops.mv_cabinet_claims_collection
