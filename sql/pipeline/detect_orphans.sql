-- detect_orphans: stage run :run_id's candidates in orphans.run_candidates (orphans.detect_orphans,
-- revision 0013: orphans not purged plus quarantine rows still `quarantined`; the first :row_limit
-- by driver_id, all when NULL). Returns one row: candidates.
select orphans.detect_orphans(:run_id, :row_limit) as candidates
