-- create_runs_applying_run_judged_trigger: the deferred constraint trigger on orphans.runs
-- that checks, at commit, each transaction marked as an execute's applying one
-- (orphans.require_applying_run_judged). A constraint trigger has no OR REPLACE: dropped
-- first, in the same statement. Returns nothing.
do $$
begin
    drop trigger if exists runs_applying_run_judged on orphans.runs;
    create constraint trigger runs_applying_run_judged
        after update of applying_xid on orphans.runs
        deferrable initially deferred
        for each row
        execute function orphans.require_applying_run_judged();
end
$$
