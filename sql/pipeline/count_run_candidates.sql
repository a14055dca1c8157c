-- count_run_candidates: what detection found for run :run_id. Returns one row: candidates,
-- new_orphans (no quarantine row yet), re_evaluated (a quarantine row exists).
select
    count(*) as candidates,
    count(*) filter (where quarantine.driver_id is null) as new_orphans,
    count(*) filter (where quarantine.driver_id is not null) as re_evaluated
from orphans.run_candidates as candidate
left join canon.driver_orphan_quarantine as quarantine
    on quarantine.driver_id = candidate.driver_id
where candidate.run_id = :run_id
