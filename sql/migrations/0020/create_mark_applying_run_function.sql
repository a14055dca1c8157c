-- create_mark_applying_run_function: orphans.mark_applying_run(run_id), the first write of a
-- running execute's applying transaction, under the pipeline lock: records the transaction in
-- orphans.runs.applying_xid. Only this function writes it, so no other transaction can pass
-- for the run's (orphans.applying_own_writes). Returns nothing.
create or replace function orphans.mark_applying_run(p_run_id text)
returns void
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    select orphans.require_run(p_run_id, true);
    select orphans.require_pipeline_lock();
    update orphans.runs as run
    set applying_xid = pg_current_xact_id()
    where run.run_id = p_run_id;
end
