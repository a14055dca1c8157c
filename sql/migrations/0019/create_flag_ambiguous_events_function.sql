-- create_flag_ambiguous_events_function: orphans.flag_ambiguous_events(run_id), for the
-- relations classify_orphans staged, set is_ambiguous (an L1 event that names drivers of
-- another person too, or an L2 event that matches drivers of more than one person) and
-- is_claimed_by_other (an L2 event that is L1 for a driver of another person): an event is
-- never used for two persons. Revision 0014's function, with the drivers an L2 event matches
-- looked up by their key's index for each event (a lateral subquery the planner cannot turn
-- into a join): hashing every driver instead, the planner's choice for the license, computed
-- the license key of each of CT4's drivers in every run (1.0 s of 3.3 s at 1,000,000 drivers;
-- the lookups grow with the run's L2 events, not with the drivers); the drivers of the
-- quarantine rows without a driver link are read by primary key too. Returns nothing.
create or replace function orphans.flag_ambiguous_events(p_run_id text)
returns void
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    select orphans.require_run(p_run_id, false);
    -- The drivers quarantined (or resolved) without a driver link: their person is their
    -- quarantine row's. Few, so materialized once for both levels.
    with linkless as materialized (
        select
            quarantine.driver_id,
            btrim(quarantine.driver_id) as driver_key,
            quarantine.person_key,
            orphans.driver_license_key(
                driver.license_normalized_number, driver.license_number
            ) as license_key,
            orphans.normalize_phone(driver.phone) as phone_key
        from canon.driver_orphan_quarantine as quarantine
        -- offset 0: the driver of each row left after the anti-join, by primary key, never a
        -- hash of every one of CT4's drivers (0.6 s at 1,000,000 drivers for none linkless).
        left join lateral (
            select driver.license_normalized_number, driver.license_number, driver.phone
            from public.drivers as driver
            where driver.driver_id = quarantine.driver_id
            offset 0
        ) as driver
            on true
        where quarantine.status <> 'purged'
            and not exists (
                select 1
                from canon.identity_links as driver_link
                where driver_link.source_table = 'drivers'
                    and driver_link.source_pk = quarantine.driver_id
            )
    ),

    strong_events as (
        select distinct staged.event_id
        from orphans.run_events as staged
        where staged.run_id = p_run_id
            and staged.level in ('L1', 'L2')
    ),

    named_persons as (
        select
            strong_events.event_id,
            driver_link.person_key
        from strong_events
        inner join observational.lead_events as event
            on event.id = strong_events.event_id
        cross join lateral unnest(orphans.payload_driver_ids(event.payload_json)) as named (driver_key)
        inner join canon.identity_links as driver_link
            on driver_link.source_table = 'drivers'
            and btrim(driver_link.source_pk) = named.driver_key
        union
        select
            strong_events.event_id,
            quarantine.person_key
        from strong_events
        inner join observational.lead_events as event
            on event.id = strong_events.event_id
        cross join lateral unnest(orphans.payload_driver_ids(event.payload_json)) as named (driver_key)
        inner join linkless as quarantine
            on quarantine.driver_key = named.driver_key
    ),

    l2_event_keys as (
        select
            event.id as event_id,
            orphans.normalize_license(event.payload_json ->> 'driver_license') as license_key,
            orphans.normalize_phone(event.payload_json ->> 'driver_phone') as phone_key,
            case
                when event.source_table = 'module_ct_cabinet_leads'
                    then orphans.normalize_phone(event.payload_json ->> 'park_phone')
            end as park_phone_key
        from (
            select distinct staged.event_id
            from orphans.run_events as staged
            where staged.run_id = p_run_id
                and staged.level = 'L2'
        ) as l2_events
        inner join observational.lead_events as event
            on event.id = l2_events.event_id
    ),

    l2_event_persons as (
        select
            keys.event_id,
            driver_link.person_key
        from l2_event_keys as keys
        -- offset 0: the subquery stays a lookup by drivers_license_key_idx for each event.
        cross join lateral (
            select driver.driver_id
            from public.drivers as driver
            where orphans.driver_license_key(
                driver.license_normalized_number, driver.license_number
            ) = keys.license_key
            offset 0
        ) as driver
        inner join canon.identity_links as driver_link
            on driver_link.source_table = 'drivers'
            and driver_link.source_pk = driver.driver_id
        union
        select
            keys.event_id,
            driver_link.person_key
        from l2_event_keys as keys
        -- offset 0: a lookup by drivers_phone_key_idx for each event, whatever the estimates.
        cross join lateral (
            select driver.driver_id
            from public.drivers as driver
            where orphans.normalize_phone(driver.phone) in (keys.phone_key, keys.park_phone_key)
            offset 0
        ) as driver
        inner join canon.identity_links as driver_link
            on driver_link.source_table = 'drivers'
            and driver_link.source_pk = driver.driver_id
        union
        select
            keys.event_id,
            quarantine.person_key
        from l2_event_keys as keys
        inner join linkless as quarantine
            on quarantine.license_key = keys.license_key
            or quarantine.phone_key in (keys.phone_key, keys.park_phone_key)
    ),

    event_persons as (
        select event_id, person_key, true as is_named
        from named_persons
        union all
        select event_id, person_key, false as is_named
        from l2_event_persons
    ),

    flags as (
        select
            staged.driver_id,
            staged.event_id,
            staged.level,
            coalesce(bool_or(
                event_persons.is_named
                and event_persons.person_key is distinct from staged.person_key
            ), false) as names_another_person,
            coalesce(bool_or(
                not event_persons.is_named
                and event_persons.person_key is distinct from staged.person_key
            ), false) as matches_another_person
        from orphans.run_events as staged
        left join event_persons
            on event_persons.event_id = staged.event_id
        where staged.run_id = p_run_id
            and staged.level in ('L1', 'L2')
        group by staged.driver_id, staged.event_id, staged.level
    )

    update orphans.run_events as staged
    set
        is_ambiguous = case flags.level
            when 'L1' then flags.names_another_person
            else flags.matches_another_person
        end,
        is_claimed_by_other = flags.level = 'L2' and flags.names_another_person
    from flags
    where staged.run_id = p_run_id
        and staged.driver_id = flags.driver_id
        and staged.event_id = flags.event_id;
end
