-- create_record_run_results_function: orphans.record_run_results(run_id, stats, json, csv),
-- keep a running run's stats and report paths; it stays running until its end closes it.
-- Returns nothing.
create or replace function orphans.record_run_results(
    p_run_id text, p_stats jsonb, p_report_json_path text, p_report_csv_path text
)
returns void
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    select orphans.require_run(p_run_id, false);
    update orphans.runs
    set
        stats = p_stats,
        report_json_path = p_report_json_path,
        report_csv_path = p_report_csv_path
    where run_id = p_run_id;
end
