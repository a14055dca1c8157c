-- close_interrupted_runs: close as failed every run marked running, but :run_id, whose process is
-- gone (no session 'orphans run <id>'; orphans.close_interrupted_runs, revision 0013). Returns the
-- run ids closed.
select closed.run_id
from orphans.close_interrupted_runs(:run_id) as closed (run_id)
