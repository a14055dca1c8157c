-- judge_lead_events: decide, in the applying transaction, why each related event of run :run_id is
-- or is not usable (orphans.judge_lead_events, revision 0013; ownership under both keys of a
-- scouting row). Returns one row.
select orphans.judge_lead_events(:run_id) as judged
