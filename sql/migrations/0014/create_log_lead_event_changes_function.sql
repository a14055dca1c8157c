-- create_log_lead_event_changes_function: the statement trigger function of
-- observational.lead_events: logs each inserted, updated or deleted event of a lead table (as it
-- was and as it is): its id, the driver ids its payload names, its normalised license, phone
-- and cabinet park phone, and its person. SECURITY DEFINER, search path pinned.
-- Returns nothing (a trigger).
create or replace function orphans.log_lead_event_changes() returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if tg_op in ('UPDATE', 'DELETE') then
        insert into orphans.changed_keys (kind, key)
        select distinct changed.kind, changed.key
        from old_rows as event
        cross join lateral (
            select 'event', event.id::text
            union all
            select 'event_driver', named.driver_key
            from unnest(orphans.payload_driver_ids(event.payload_json)) as named (driver_key)
            union all
            select 'event_license', orphans.normalize_license(event.payload_json ->> 'driver_license')
            union all
            select 'event_phone', orphans.normalize_phone(event.payload_json ->> 'driver_phone')
            union all
            select 'event_phone', orphans.normalize_phone(event.payload_json ->> 'park_phone')
            where event.source_table = 'module_ct_cabinet_leads'
            union all
            select 'person', event.person_key::text
        ) as changed (kind, key)
        where changed.key is not null
            and event.source_table = any (orphans.lead_tables());
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        insert into orphans.changed_keys (kind, key)
        select distinct changed.kind, changed.key
        from new_rows as event
        cross join lateral (
            select 'event', event.id::text
            union all
            select 'event_driver', named.driver_key
            from unnest(orphans.payload_driver_ids(event.payload_json)) as named (driver_key)
            union all
            select 'event_license', orphans.normalize_license(event.payload_json ->> 'driver_license')
            union all
            select 'event_phone', orphans.normalize_phone(event.payload_json ->> 'driver_phone')
            union all
            select 'event_phone', orphans.normalize_phone(event.payload_json ->> 'park_phone')
            where event.source_table = 'module_ct_cabinet_leads'
            union all
            select 'person', event.person_key::text
        ) as changed (kind, key)
        where changed.key is not null
            and event.source_table = any (orphans.lead_tables());
    end if;
    return null;
end
$$
