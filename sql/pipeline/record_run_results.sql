-- record_run_results: keep run :run_id's stats and report paths in the run registry; the run
-- stays running until its real end (after the checks) closes it. Returns nothing.
update orphans.runs
set
    stats = cast(:stats as jsonb),
    report_json_path = :report_json_path,
    report_csv_path = :report_csv_path
where run_id = :run_id
