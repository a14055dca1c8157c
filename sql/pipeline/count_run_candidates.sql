-- count_run_candidates: what detection found for run :run_id. Returns one row: candidates,
-- new_orphans (no quarantine row yet), re_evaluated (a quarantine row exists), full_sweep (1
-- when the run re-judges every row still quarantined, 0 when only those whose inputs changed).
with scope as (
    select case when run.scope = 'full' then 1 else 0 end as full_sweep
    from orphans.runs as run
    where run.run_id = :run_id
)

select
    count(*) as candidates,
    count(*) filter (where quarantine.driver_id is null) as new_orphans,
    count(*) filter (where quarantine.driver_id is not null) as re_evaluated,
    coalesce((select scope.full_sweep from scope), 0) as full_sweep
from orphans.run_candidates as candidate
left join canon.driver_orphan_quarantine as quarantine
    on quarantine.driver_id = candidate.driver_id
where candidate.run_id = :run_id
