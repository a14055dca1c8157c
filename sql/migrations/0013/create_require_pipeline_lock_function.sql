-- create_require_pipeline_lock_function: orphans.require_pipeline_lock(), the check of every
-- function that writes to CT4 or the quarantine: this session holds the pipeline's advisory
-- lock (pg_advisory_xact_lock(4851560213872920654), the bytes of 'CT4ORPHN'), so a run's writes
-- and a review never interleave, whoever calls. Refuses otherwise (SQLSTATE OR403).
-- Returns nothing.
create or replace function orphans.require_pipeline_lock()
returns void
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if not exists (
        select 1
        from pg_catalog.pg_locks as held
        where held.locktype = 'advisory'
            and held.pid = pg_backend_pid()
            and held.granted
            and held.classid = (4851560213872920654 >> 32)::oid
            and held.objid = (4851560213872920654 & 4294967295)::oid
            and held.objsubid = 1
    ) then
        raise exception 'the orphans pipeline lock is not held by this transaction'
            using errcode = 'OR403',
                  hint = 'select pg_advisory_xact_lock(4851560213872920654) first.';
    end if;
end
$$
