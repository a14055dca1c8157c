-- upsert_driver_orphan_quarantine: write execute :run_id's outcomes to
-- canon.driver_orphan_quarantine under the pipeline lock, actor `pipeline` bound by the function;
-- the table's trigger appends the history (orphans.upsert_driver_orphan_quarantine, revision 0013).
-- Returns one row: written.
select orphans.upsert_driver_orphan_quarantine(:run_id) as written
