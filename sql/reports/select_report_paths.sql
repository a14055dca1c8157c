-- select_report_paths: the report paths the run registry holds whose file name is
-- :report_name (a report's own name, checked by the caller), the newest run's first.
-- Returns zero or more rows of one column, path.
select report.path
from orphans.runs as run
cross join lateral (values (run.report_json_path), (run.report_csv_path)) as report (path)
where right(report.path, char_length(:report_name) + 1) = '/' || :report_name
order by run.started_at desc
