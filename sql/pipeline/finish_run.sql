-- finish_run: close run :run_id's registry row with :status, keeping what it recorded where nothing
-- new is given (orphans.finish_run, revision 0013). Returns one row.
select orphans.finish_run(
    :run_id, :status, cast(:stats as jsonb), :report_json_path, :report_csv_path, :error
) as finished
