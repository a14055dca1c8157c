-- analyze_run_candidates: fresh statistics for the work table just filled, so classification
-- plans for the real number of candidates (without them the planner assumes a handful and
-- picks nested loops that take minutes at 100,000 candidates). Returns nothing.
analyze orphans.run_candidates
