-- analyze_run_outcomes: fresh statistics for the outcomes just planned, in the applying
-- transaction (ANALYZE counts its own uncommitted rows), for the statements that read them next:
-- the quarantine's writes and history, the judgement, the reports. Without them the planner
-- takes the 100,000 outcomes of a first execute at 1,000,000 drivers for a few hundred: it looks
-- the quarantined rows' events and scouting rows up one by one where a hash join reads them
-- once. Returns nothing.
analyze orphans.run_outcomes
