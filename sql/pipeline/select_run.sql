-- select_run: one run of the registry. Returns zero or one row.
select
    run_id,
    mode,
    row_limit,
    output_dir,
    status,
    started_at,
    finished_at,
    stats,
    report_json_path,
    report_csv_path,
    error
from orphans.runs
where run_id = :run_id
