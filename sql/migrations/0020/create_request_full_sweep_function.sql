-- create_request_full_sweep_function: orphans.request_full_sweep(run_id), asked by the
-- integrity check when it finds orphans after run_id: if that run is an execute without a
-- limit, logs a key of kind 'all' in orphans.changed_keys, as a truncate does, so the next run
-- is a full sweep and seeks orphans among every driver link. An incremental run seeks them
-- where the change log points: one made where no trigger fired (triggers switched off, a
-- restore, a replica's apply) is then found by the next run, not by the next monthly sweep.
-- A run with a limit leaves orphans by design, each logged: nothing is asked. Returns nothing.
create or replace function orphans.request_full_sweep(p_run_id text)
returns void
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    insert into orphans.changed_keys (kind, key)
    select 'all', 'integrity check after run ' || run.run_id
    from orphans.runs as run
    where run.run_id = p_run_id
        and run.mode = 'execute'
        and run.row_limit is null;
end
