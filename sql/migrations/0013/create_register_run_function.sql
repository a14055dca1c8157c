-- create_register_run_function: orphans.register_run(run_id, mode, row_limit, output_dir),
-- open a run's row in the registry (a run registered again, as Dagster retries it, starts
-- over). The only way a run id gets there, so every write under a run id names a real run.
-- Returns nothing.
create or replace function orphans.register_run(
    p_run_id text, p_mode text, p_row_limit integer, p_output_dir text
)
returns void
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    insert into orphans.runs (run_id, mode, row_limit, output_dir, status, started_at)
    values (p_run_id, p_mode, p_row_limit, p_output_dir, 'running', now())
    on conflict (run_id) do update
    set
        mode = excluded.mode,
        row_limit = excluded.row_limit,
        output_dir = excluded.output_dir,
        status = 'running',
        finished_at = null,
        error = null;
end
