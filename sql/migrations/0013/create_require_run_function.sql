-- create_require_run_function: orphans.require_run(run_id, execute_only), the first check of
-- every function that writes for a run: the run is registered in orphans.runs and still
-- running (and, for a write to CT4 or the quarantine, an execute). Refuses otherwise
-- (SQLSTATE OR403), so no role can write under a run id it made up, or write from a dry run.
-- Returns nothing.
create or replace function orphans.require_run(p_run_id text, p_execute_only boolean)
returns void
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if not exists (
        select 1
        from orphans.runs as run
        where run.run_id = p_run_id
            and run.status = 'running'
            and (not p_execute_only or run.mode = 'execute')
    ) then
        raise exception 'run % is not a running % of the orphans pipeline (orphans.runs)',
            coalesce(quote_literal(p_run_id), 'NULL'),
            case when p_execute_only then 'execute' else 'run' end
            using errcode = 'OR403',
                  hint = 'Runs are registered by orphans.register_run; only an execute writes.';
    end if;
end
$$
