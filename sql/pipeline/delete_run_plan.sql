-- delete_run_plan: forget run :run_id's planned links and outcomes (orphans.delete_run_plan,
-- revision 0013). Returns one row.
select orphans.delete_run_plan(:run_id) as deleted
