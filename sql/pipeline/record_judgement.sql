-- record_judgement: the last write of execute :run_id (orphans.record_judgement, revision 0014):
-- keep the events its quarantined rows were judged with; without a limit, move the judgement
-- watermark to its detection's snapshot and prune the change log. Returns one row: the judged
-- events kept.
select orphans.record_judgement(:run_id) as judged_events
