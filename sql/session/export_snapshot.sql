-- export_snapshot: this transaction's snapshot, for sessions that are to read the same data
-- (set_transaction_snapshot); it can be imported while this transaction lasts. Returns one
-- row: snapshot_id.
select pg_export_snapshot() as snapshot_id
