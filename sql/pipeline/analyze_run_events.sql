-- analyze_run_events: fresh statistics for the related events just staged, for the judging
-- and planning statements that follow. Returns nothing.
analyze orphans.run_events
