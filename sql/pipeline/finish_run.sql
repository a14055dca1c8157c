-- finish_run: close run :run_id in the run registry with its outcome (:status succeeded or
-- failed), stats, report paths and error. Returns nothing.
update orphans.runs
set
    status = :status,
    finished_at = now(),
    stats = coalesce(cast(:stats as jsonb), stats),
    report_json_path = coalesce(:report_json_path, report_json_path),
    report_csv_path = coalesce(:report_csv_path, report_csv_path),
    error = :error
where run_id = :run_id
