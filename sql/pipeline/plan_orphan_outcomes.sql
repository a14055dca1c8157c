-- plan_orphan_outcomes: each candidate's outcome for run :run_id, judged on the final state
-- (orphans.plan_orphan_outcomes, revision 0013; 0019's lookups by index). Returns one row:
-- planned.
select orphans.plan_orphan_outcomes(:run_id) as planned
