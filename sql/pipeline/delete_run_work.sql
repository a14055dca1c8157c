-- delete_run_work: drop the work rows of run :run_id and of every finished run
-- (orphans.delete_run_work, revision 0013). Returns one row.
select orphans.delete_run_work(:run_id) as deleted
