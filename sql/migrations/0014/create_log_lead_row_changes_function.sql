-- create_log_lead_row_changes_function: the statement trigger function of the three lead
-- tables: logs each inserted or deleted lead row, and each updated one whose keys changed,
-- under every key it has (domain.md): a cabinet row's external_id and id; a scouting row's id
-- and its second key (orphans.scouting_source_key, from its scout, phone, license and date: the
-- row as it was and as it is); a migrations row's id. SECURITY DEFINER, search path pinned.
-- Returns nothing (a trigger).
create or replace function orphans.log_lead_row_changes() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if tg_table_name = 'module_ct_cabinet_leads' then
        if tg_op = 'UPDATE' then
            insert into orphans.changed_keys (kind, source_table, key)
            select distinct 'lead', tg_table_name, changed.key
            from (
                select lead.id, lead.external_id from old_rows as lead
                union all
                select lead.id, lead.external_id from new_rows as lead
            ) as lead
            cross join lateral (values (lead.id::text), (lead.external_id::text)) as changed (key)
            where changed.key is not null
                and not exists (
                    select 1
                    from old_rows as before
                    inner join new_rows as after
                        on after.id = before.id
                        and after.external_id is not distinct from before.external_id
                    where before.id = lead.id
                );
        elsif tg_op = 'DELETE' then
            insert into orphans.changed_keys (kind, source_table, key)
            select distinct 'lead', tg_table_name, changed.key
            from old_rows as lead
            cross join lateral (values (lead.id::text), (lead.external_id::text)) as changed (key)
            where changed.key is not null;
        else
            insert into orphans.changed_keys (kind, source_table, key)
            select distinct 'lead', tg_table_name, changed.key
            from new_rows as lead
            cross join lateral (values (lead.id::text), (lead.external_id::text)) as changed (key)
            where changed.key is not null;
        end if;
    elsif tg_table_name = 'module_ct_scouting_daily' then
        if tg_op in ('UPDATE', 'DELETE') then
            insert into orphans.changed_keys (kind, source_table, key)
            select distinct 'lead', tg_table_name, changed.key
            from old_rows as lead
            cross join lateral (
                values
                    (lead.id::text),
                    (orphans.scouting_source_key(
                        lead.scout_id, lead.driver_phone, lead.driver_license,
                        lead.registration_date::date
                    ))
            ) as changed (key)
            where changed.key is not null;
        end if;
        if tg_op in ('INSERT', 'UPDATE') then
            insert into orphans.changed_keys (kind, source_table, key)
            select distinct 'lead', tg_table_name, changed.key
            from new_rows as lead
            cross join lateral (
                values
                    (lead.id::text),
                    (orphans.scouting_source_key(
                        lead.scout_id, lead.driver_phone, lead.driver_license,
                        lead.registration_date::date
                    ))
            ) as changed (key)
            where changed.key is not null;
        end if;
    elsif tg_op = 'UPDATE' then
        insert into orphans.changed_keys (kind, source_table, key)
        select distinct 'lead', tg_table_name, lead.id::text
        from (
            select before.id from old_rows as before
            union all
            select after.id from new_rows as after
        ) as lead
        where not exists (
            select 1
            from old_rows as before
            inner join new_rows as after
                on after.id = before.id
            where before.id = lead.id
        );
    elsif tg_op = 'DELETE' then
        insert into orphans.changed_keys (kind, source_table, key)
        select distinct 'lead', tg_table_name, lead.id::text
        from old_rows as lead;
    else
        insert into orphans.changed_keys (kind, source_table, key)
        select distinct 'lead', tg_table_name, lead.id::text
        from new_rows as lead;
    end if;
    return null;
end
$$
