-- select_last_successful_execute: when the last execute that succeeded finished, from the run
-- registry. Returns one row: finished_at (null when no execute has succeeded yet), run_id.
select
    max(run.finished_at) as finished_at,
    (array_agg(run.run_id order by run.finished_at desc))[1] as run_id
from orphans.runs as run
where run.mode = 'execute'
    and run.status = 'succeeded'
