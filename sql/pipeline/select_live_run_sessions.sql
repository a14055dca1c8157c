-- select_live_run_sessions: the runs whose process still holds its liveness session
-- (application_name 'orphans run <run_id>'), among :run_ids. Returns run_id.
with wanted as (
    select unnest(cast(:run_ids as text[])) as run_id
)
select wanted.run_id
from wanted
where exists (
    select 1
    from pg_stat_activity as activity
    where activity.application_name = 'orphans run ' || wanted.run_id
)
