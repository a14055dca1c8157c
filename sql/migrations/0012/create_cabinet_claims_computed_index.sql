-- create_cabinet_claims_computed_index: the unique index REFRESH ... CONCURRENTLY needs, also
-- the lookup of one driver's claims (moved with the view where it existed). Returns nothing.
create unique index if not exists mv_cabinet_claims_computed_key
    on orphans.mv_cabinet_claims_computed (driver_id, milestone)
