-- flag_ambiguous_events: mark the ambiguous and claimed relations of run :run_id
-- (orphans.flag_ambiguous_events, revision 0013; 0014, 0019, 0020): an event is never used for two
-- persons. Returns one row.
select orphans.flag_ambiguous_events(:run_id) as flagged
