-- create_close_interrupted_runs_function: orphans.close_interrupted_runs(run_id), close as
-- failed every run the registry shows running whose process is gone (no session named
-- 'orphans run <run_id>'), but run_id. Returns setof text: the runs it closed.
create or replace function orphans.close_interrupted_runs(p_run_id text)
returns setof text
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    update orphans.runs as run
    set
        status = 'failed',
        finished_at = now(),
        error = 'interrupted: the process running it stopped before the run finished; '
            || 'nothing of an unfinished execute was committed'
    where run.status = 'running'
        and run.run_id <> p_run_id
        and not exists (
            select 1
            from pg_catalog.pg_stat_activity as activity
            where activity.application_name = 'orphans run ' || run.run_id
        )
    returning run.run_id;
end
