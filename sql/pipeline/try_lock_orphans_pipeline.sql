-- try_lock_orphans_pipeline: take the orphans pipeline's transaction-level advisory lock, key
-- :lock_key (documented in the README so CT4's ingestion can take the same lock). Released at
-- commit or rollback. Returns one row: locked (boolean), false if someone else holds it.
select pg_try_advisory_xact_lock(:lock_key) as locked
