-- set_transaction_snapshot: this transaction (REPEATABLE READ, before its first query) reads
-- the snapshot another transaction exported (:snapshot_id, from export_snapshot). A utility
-- statement, which takes no parameter: run by sql.run_utility, the value quoted by the driver's
-- dialect as it executes. Returns nothing.
set transaction snapshot :snapshot_id
