-- select_finished_executes: executes closed in the run registry after :after (by finished_at,
-- then run_id, so two runs closing in the same microsecond are both seen), oldest first, at
-- most :max_runs, each with the drivers it newly quarantined: history rows of the run moving to
-- quarantined from no row or from another status. Returns one row per run: run_id,
-- finished_at, status, new_quarantined, driver_ids (at most :max_ids, by driver_id).
with finished as (
    select
        run.run_id,
        run.finished_at,
        run.status
    from orphans.runs as run
    where run.mode = 'execute'
        and run.finished_at is not null
        and (run.finished_at, run.run_id) > (cast(:after as timestamptz), cast(:after_run_id as text))
    order by run.finished_at, run.run_id
    limit :max_runs
)

select
    finished.run_id,
    finished.finished_at,
    finished.status,
    count(history.driver_id) as new_quarantined,
    coalesce(
        (array_agg(history.driver_id order by history.driver_id)
            filter (where history.driver_id is not null))[1:cast(:max_ids as int)],
        '{}'
    ) as driver_ids
from finished
left join canon.driver_orphan_quarantine_history as history
    on history.run_id = finished.run_id
    and history.to_status = 'quarantined'
    and history.from_status is distinct from 'quarantined'
group by finished.run_id, finished.finished_at, finished.status
order by finished.finished_at, finished.run_id
