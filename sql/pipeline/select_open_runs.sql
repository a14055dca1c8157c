-- select_open_runs: the runs the registry still shows as running, oldest first.
-- Returns run_id, started_at.
select run.run_id, run.started_at
from orphans.runs as run
where run.status = 'running'
order by run.started_at
