-- create_log_identity_link_changes_function: the statement trigger function of
-- canon.identity_links: logs each inserted, updated or deleted link (as it was and as it is):
-- its person, and the driver (a driver link) or the lead row (a lead link) it names.
-- SECURITY DEFINER, search path pinned: any role CT4 lets write links is logged. Revision
-- 0014's function, except in an execute's applying transaction (orphans.applying_own_writes),
-- whose judgement would take its keys out of the log again. Returns nothing (a trigger).
create or replace function orphans.log_identity_link_changes() returns trigger
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
        insert into orphans.changed_keys (kind, source_table, key)
        select distinct changed.kind, changed.source_table, changed.key
        from old_rows as link
        cross join lateral (
            select 'person', null, link.person_key::text
            union all
            select 'driver', null, link.source_pk::text
            where link.source_table = 'drivers'
            union all
            select 'lead', link.source_table::text, link.source_pk::text
            where link.source_table = any (orphans.lead_tables())
        ) as changed (kind, source_table, key)
        where changed.key is not null;
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        insert into orphans.changed_keys (kind, source_table, key)
        select distinct changed.kind, changed.source_table, changed.key
        from new_rows as link
        cross join lateral (
            select 'person', null, link.person_key::text
            union all
            select 'driver', null, link.source_pk::text
            where link.source_table = 'drivers'
            union all
            select 'lead', link.source_table::text, link.source_pk::text
            where link.source_table = any (orphans.lead_tables())
        ) as changed (kind, source_table, key)
        where changed.key is not null;
    end if;
    return null;
end
$$
