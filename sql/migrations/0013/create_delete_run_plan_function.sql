-- create_delete_run_plan_function: orphans.delete_run_plan(run_id), forget a running run's
-- planned links and outcomes (the applying transaction plans them again). Returns nothing.
create or replace function orphans.delete_run_plan(p_run_id text)
returns void
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    select orphans.require_run(p_run_id, false);
    delete from orphans.run_links
    where run_id = p_run_id;
    delete from orphans.run_outcomes
    where run_id = p_run_id;
end
