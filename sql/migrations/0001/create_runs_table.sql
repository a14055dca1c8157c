-- create_runs_table: the run registry, one row per pipeline run (dry run or execute).
-- Returns nothing.
create table if not exists orphans.runs (
    run_id text primary key,
    mode text not null check (mode in ('dry_run', 'execute')),
    row_limit int,
    output_dir text,
    status text not null default 'running'
        check (status in ('running', 'succeeded', 'failed')),
    started_at timestamptz not null default now(),
    finished_at timestamptz,
    stats jsonb,
    report_json_path text,
    report_csv_path text,
    error text
)
