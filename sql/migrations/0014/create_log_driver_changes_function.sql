-- create_log_driver_changes_function: the statement trigger function of public.drivers: logs in
-- orphans.changed_keys each inserted or deleted driver, and each updated one whose id, phone or
-- license changed (what the rules read of it), with its normalised phone and license keys
-- before and after. SECURITY DEFINER, search path pinned: any role CT4 lets write the table is
-- logged, with no rights in schema orphans. Returns nothing (a trigger).
create or replace function orphans.log_driver_changes() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if tg_op = 'UPDATE' then
        insert into orphans.changed_keys (kind, key)
        select distinct changed.kind, changed.key
        from (
            select driver.driver_id, driver.phone, driver.license_number,
                driver.license_normalized_number
            from old_rows as driver
            union all
            select driver.driver_id, driver.phone, driver.license_number,
                driver.license_normalized_number
            from new_rows as driver
        ) as driver
        cross join lateral (
            values
                ('driver', driver.driver_id::text),
                ('driver_phone', orphans.normalize_phone(driver.phone)),
                ('driver_license', orphans.driver_license_key(
                    driver.license_normalized_number, driver.license_number
                ))
        ) as changed (kind, key)
        where changed.key is not null
            and not exists (
                select 1
                from old_rows as before
                inner join new_rows as after
                    on after.driver_id = before.driver_id
                where before.driver_id = driver.driver_id
                    and after.phone is not distinct from before.phone
                    and after.license_number is not distinct from before.license_number
                    and after.license_normalized_number
                        is not distinct from before.license_normalized_number
            );
        return null;
    end if;
    if tg_op = 'DELETE' then
        insert into orphans.changed_keys (kind, key)
        select distinct changed.kind, changed.key
        from old_rows as driver
        cross join lateral (
            values
                ('driver', driver.driver_id::text),
                ('driver_phone', orphans.normalize_phone(driver.phone)),
                ('driver_license', orphans.driver_license_key(
                    driver.license_normalized_number, driver.license_number
                ))
        ) as changed (kind, key)
        where changed.key is not null;
        return null;
    end if;
    insert into orphans.changed_keys (kind, key)
    select distinct changed.kind, changed.key
    from new_rows as driver
    cross join lateral (
        values
            ('driver', driver.driver_id::text),
            ('driver_phone', orphans.normalize_phone(driver.phone)),
            ('driver_license', orphans.driver_license_key(
                driver.license_normalized_number, driver.license_number
            ))
    ) as changed (kind, key)
    where changed.key is not null;
    return null;
end
$$
