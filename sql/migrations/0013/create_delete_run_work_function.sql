-- create_delete_run_work_function: orphans.delete_run_work(run_id), drop the work rows of this
-- run and of every finished run (the staging tables hold one run's rows at a time).
-- Returns nothing.
create or replace function orphans.delete_run_work(p_run_id text)
returns void
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    delete from orphans.run_candidates as work
    where work.run_id = p_run_id
        or not exists (
            select 1 from orphans.runs as run
            where run.run_id = work.run_id and run.status = 'running'
        );
    delete from orphans.run_events as work
    where work.run_id = p_run_id
        or not exists (
            select 1 from orphans.runs as run
            where run.run_id = work.run_id and run.status = 'running'
        );
    delete from orphans.run_links as work
    where work.run_id = p_run_id
        or not exists (
            select 1 from orphans.runs as run
            where run.run_id = work.run_id and run.status = 'running'
        );
    delete from orphans.run_outcomes as work
    where work.run_id = p_run_id
        or not exists (
            select 1 from orphans.runs as run
            where run.run_id = work.run_id and run.status = 'running'
        );
end
