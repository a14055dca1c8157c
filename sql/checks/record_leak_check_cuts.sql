-- record_leak_check_cuts: remember the views the budget :budget_seconds cut in this leak check
-- (:cut) and forget those it read in time (:read) (orphans.record_leak_check_cuts, revision
-- 0016). Returns one row.
select orphans.record_leak_check_cuts(
    cast(:cut as text []),
    cast(:read as text []),
    cast(:budget_seconds as numeric)
)
