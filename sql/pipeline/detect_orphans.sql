-- detect_orphans: stage run :run_id's candidates in orphans.run_candidates
-- (orphans.detect_orphans, revision 0014, lookups by index since 0019, an incremental run's
-- reads found from the changes since 0020: orphans not purged nor still quarantined, plus the
-- rows still quarantined: every one when :full or when the run must be a full sweep, else those
-- whose judgement reads something that changed since the last judged snapshot; the first
-- :row_limit by driver_id, all when NULL). Returns one row: candidates.
select orphans.detect_orphans(:run_id, :row_limit, :full) as candidates
