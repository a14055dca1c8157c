-- move_cabinet_claims_computed_matview: the computed claims (revision 0007's materialized view,
-- trips-driven, refreshed daily) leave schema ops for the project's own schema: they still hold
-- the claims of drivers quarantined since their last refresh, and every relation in ops is one
-- CT4's consumers may read, which must exclude them. Its data, index and the view over it
-- (ops.mv_cabinet_claims_collection) follow it. Returns nothing.
alter materialized view if exists ops.mv_cabinet_claims_computed set schema orphans
