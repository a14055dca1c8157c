-- create_cabinet_claims_collection_index: the unique index REFRESH ... CONCURRENTLY needs.
-- Returns nothing.
create unique index if not exists mv_cabinet_claims_collection_key
    on ops.mv_cabinet_claims_collection (driver_id, milestone)
