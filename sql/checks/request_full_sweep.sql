-- request_full_sweep: make the next run a full sweep when the integrity query found orphans
-- after :run_id, an execute without a limit (orphans.request_full_sweep, revision 0020).
-- Returns one row.
select orphans.request_full_sweep(:run_id) as requested
