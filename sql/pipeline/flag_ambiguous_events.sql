-- flag_ambiguous_events: mark the ambiguous and claimed relations of run :run_id, for the events
-- of share :part of :parts (orphans.flag_ambiguous_events, revision 0013; 0014, 0019, 0020,
-- 0021; by shares since 0022; part 0 of 1 is every event): an event is never used for two
-- persons. Returns one row.
select orphans.flag_ambiguous_events(:run_id, :part, :parts) as flagged
