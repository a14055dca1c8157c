-- create_log_quarantine_changes_function: the statement trigger function of
-- canon.driver_orphan_quarantine: logs the driver of each row inserted, updated or deleted (a
-- reviewer's decision or undo, CT4's own writes, a run with a limit). An execute's applying
-- transaction is not logged (orphans.applying_own_writes): its judgement would take its keys
-- out of the log again (orphans.record_judgement). Revision 0014's function with that test
-- first. SECURITY DEFINER, search path pinned. Returns nothing (a trigger).
create or replace function orphans.log_quarantine_changes() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    -- An execute's own writes, which its judgement takes out of the log in this transaction.
    if orphans.applying_own_writes() then
        return null;
    end if;
    if tg_op in ('UPDATE', 'DELETE') then
        insert into orphans.changed_keys (kind, key)
        select distinct 'driver', quarantine.driver_id::text
        from old_rows as quarantine;
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        insert into orphans.changed_keys (kind, key)
        select distinct 'driver', quarantine.driver_id::text
        from new_rows as quarantine;
    end if;
    return null;
end
$$
