-- record_run_results: keep run :run_id's stats and report paths in the registry; it stays running
-- until its end closes it (orphans.record_run_results, revision 0013). Returns one row.
select orphans.record_run_results(
    :run_id, cast(:stats as jsonb), :report_json_path, :report_csv_path
) as recorded
