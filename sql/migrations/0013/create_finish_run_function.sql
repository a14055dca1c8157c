-- create_finish_run_function: orphans.finish_run(run_id, status, stats, json, csv, error),
-- close a run's registry row (succeeded or failed), keeping what it recorded where nothing new
-- is given. Returns nothing.
create or replace function orphans.finish_run(
    p_run_id text,
    p_status text,
    p_stats jsonb,
    p_report_json_path text,
    p_report_csv_path text,
    p_error text
)
returns void
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    update orphans.runs
    set
        status = p_status,
        finished_at = now(),
        stats = coalesce(p_stats, stats),
        report_json_path = coalesce(p_report_json_path, report_json_path),
        report_csv_path = coalesce(p_report_csv_path, report_csv_path),
        error = p_error
    where run_id = p_run_id;
end
