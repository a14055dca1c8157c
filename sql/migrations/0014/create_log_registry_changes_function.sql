-- create_log_registry_changes_function: the statement trigger function of
-- canon.identity_registry: logs the person of each inserted or deleted row, and of each updated
-- one whose phone, license or name changed (the evidence keeps them). SECURITY DEFINER, search
-- path pinned. Returns nothing (a trigger).
create or replace function orphans.log_registry_changes() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if tg_op = 'UPDATE' then
        insert into orphans.changed_keys (kind, key)
        select distinct 'person', person.person_key::text
        from (
            select registry.person_key from old_rows as registry
            union all
            select registry.person_key from new_rows as registry
        ) as person
        where not exists (
            select 1
            from old_rows as before
            inner join new_rows as after
                on after.person_key = before.person_key
            where before.person_key = person.person_key
                and after.primary_phone is not distinct from before.primary_phone
                and after.primary_license is not distinct from before.primary_license
                and after.primary_full_name is not distinct from before.primary_full_name
        );
        return null;
    end if;
    if tg_op = 'DELETE' then
        insert into orphans.changed_keys (kind, key)
        select distinct 'person', registry.person_key::text
        from old_rows as registry;
        return null;
    end if;
    insert into orphans.changed_keys (kind, key)
    select distinct 'person', registry.person_key::text
    from new_rows as registry;
    return null;
end
$$
