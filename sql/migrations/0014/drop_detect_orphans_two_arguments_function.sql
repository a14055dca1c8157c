-- drop_detect_orphans_two_arguments_function: revision 0013's orphans.detect_orphans(run_id,
-- row_limit), which always re-judged every row still quarantined; orphans.detect_orphans(run_id,
-- row_limit, full) replaces it. Returns nothing.
drop function if exists orphans.detect_orphans(text, integer)
