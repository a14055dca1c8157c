-- drop_whole_run_functions: drop orphans.classify_orphans(run_id) and
-- orphans.flag_ambiguous_events(run_id), which this revision's (run_id, part, parts) replace
-- (part 0 of 1 does what they did), so no role keeps a grant on a function the project no
-- longer calls. Returns nothing.
drop function if exists orphans.classify_orphans(text), orphans.flag_ambiguous_events(text)
