-- analyze_run_outcomes: fresh statistics for the outcomes just planned, in the applying
-- transaction (ANALYZE counts its own uncommitted rows), for the statements that read them next:
-- the quarantine's writes and history, the judgement, the reports. Without them the planner
-- takes the 100,000 outcomes of a first execute at 1,000,000 drivers for a few hundred: it sorts
-- them where the primary key gives their order and looks up each quarantined row's events one by
-- one. Returns nothing.
analyze orphans.run_outcomes
