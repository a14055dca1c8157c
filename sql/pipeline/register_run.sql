-- register_run: record run :run_id in the run registry as running (again, if a step is
-- retried). Returns nothing.
insert into orphans.runs (run_id, mode, row_limit, output_dir, status, started_at)
values (:run_id, :mode, :row_limit, :output_dir, 'running', now())
on conflict (run_id) do update
set
    mode = excluded.mode,
    row_limit = excluded.row_limit,
    output_dir = excluded.output_dir,
    status = 'running',
    finished_at = null,
    error = null
