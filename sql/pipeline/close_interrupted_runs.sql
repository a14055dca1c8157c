-- close_interrupted_runs: runs still marked running whose process is gone (no session holds
-- their liveness name, application_name 'orphans run <run_id>') are closed as failed.
-- :run_id, the run now starting, is left alone. Returns the closed run ids.
update orphans.runs as run
set
    status = 'failed',
    finished_at = now(),
    error = 'interrupted: the process running it stopped before the run finished; '
        || 'nothing of an unfinished execute was committed'
where run.status = 'running'
    and run.run_id <> :run_id
    and not exists (
        select 1
        from pg_stat_activity as activity
        where activity.application_name = 'orphans run ' || run.run_id
    )
returning run.run_id
