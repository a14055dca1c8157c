-- lock_run_outcomes: take now, or refuse at once (55P03), the lock the outcomes' ANALYZE holds
-- until this transaction ends (SHARE UPDATE EXCLUSIVE, which another run's ANALYZE also takes):
-- a run never waits for another's statistics, it goes without fresh ones. Returns nothing.
lock table orphans.run_outcomes in share update exclusive mode nowait
