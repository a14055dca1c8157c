-- delete_run_work: drop the work rows of run :run_id, and of any run that is no longer running
-- (a crashed run's leftovers), once its reports are written. Returns nothing.
with finished_runs as (
    select run_id
    from orphans.runs
    where run_id = :run_id
        or status <> 'running'
),

deleted_candidates as (
    delete from orphans.run_candidates as work
    using finished_runs
    where work.run_id = finished_runs.run_id
),

deleted_events as (
    delete from orphans.run_events as work
    using finished_runs
    where work.run_id = finished_runs.run_id
),

deleted_links as (
    delete from orphans.run_links as work
    using finished_runs
    where work.run_id = finished_runs.run_id
)

delete from orphans.run_outcomes as work
using finished_runs
where work.run_id = finished_runs.run_id
