-- create_flag_ambiguous_events_function: orphans.flag_ambiguous_events(run_id, part, parts),
-- revision 0021's function (is_ambiguous and is_claimed_by_other set on the relations
-- classify_orphans staged, only those whose flags change rewritten) for one share of the
-- events: those whose id is `part` modulo `parts`. An event's flags depend on that event alone
-- (the persons its ids name and its keys match), so the shares, flagged side by side in
-- sessions that read one snapshot, set exactly the flags one statement set: 1.5-2.0 s -> 0.95 s
-- for the relations of 97,500 candidates at 1,000,000 drivers on 2 cores. Part 0 of 1 is every
-- event. Returns nothing.
create or replace function orphans.flag_ambiguous_events(
    p_run_id text, p_part integer, p_parts integer
)
returns void
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    select orphans.require_run(p_run_id, false);
    select orphans.require_run_part(p_part, p_parts);
    -- Materialized: each strong event read once, its named ids and (an L2 event's) keys taken
    -- from its payload then; both lists below came from a read of every lead event of its own.
    with strong_events as materialized (
        select
            event.id as event_id,
            orphans.payload_driver_ids(event.payload_json) as driver_keys,
            relations.is_l2,
            case when relations.is_l2 then
                orphans.normalize_license(event.payload_json ->> 'driver_license')
            end as license_key,
            case when relations.is_l2 then
                orphans.normalize_phone(event.payload_json ->> 'driver_phone')
            end as phone_key,
            case
                when relations.is_l2 and event.source_table = 'module_ct_cabinet_leads'
                    then orphans.normalize_phone(event.payload_json ->> 'park_phone')
            end as park_phone_key
        from (
            select
                staged.event_id,
                bool_or(staged.level = 'L2') as is_l2
            from orphans.run_events as staged
            where staged.run_id = p_run_id
                and staged.level in ('L1', 'L2')
                and mod(staged.event_id, p_parts) in (p_part, p_part - p_parts)
            group by staged.event_id
        ) as relations
        inner join observational.lead_events as event
            on event.id = relations.event_id
    ),

    named_keys as materialized (
        select distinct
            strong_events.event_id,
            named.driver_key
        from strong_events
        cross join lateral unnest(strong_events.driver_keys) as named (driver_key)
    ),

    named_persons as (
        select
            named_keys.event_id,
            driver_link.person_key
        from named_keys
        -- offset 0: each named id's driver links by identity_links_driver_key_idx, never a
        -- walk of the whole index (the planner cannot know how few ids the run's events name).
        cross join lateral (
            select link.person_key
            from canon.identity_links as link
            where link.source_table = 'drivers'
                and btrim(link.source_pk) = named_keys.driver_key
            offset 0
        ) as driver_link
        union
        -- A named driver without a driver link: its quarantine row's person (the rows read
        -- once against the named ids, trimmed as the events name them).
        select
            named_keys.event_id,
            quarantine.person_key
        from named_keys
        inner join canon.driver_orphan_quarantine as quarantine
            on btrim(quarantine.driver_id) = named_keys.driver_key
        -- limit 1: whether the row's driver has a link, by index.
        left join lateral (
            select 1 as found
            from canon.identity_links as driver_link
            where driver_link.source_table = 'drivers'
                and driver_link.source_pk = quarantine.driver_id
            limit 1
        ) as driver_link
            on true
        where quarantine.status <> 'purged'
            and driver_link.found is null
    ),

    l2_event_keys as (
        select
            strong_events.event_id,
            strong_events.license_key,
            strong_events.phone_key,
            strong_events.park_phone_key
        from strong_events
        where strong_events.is_l2
    ),

    l2_event_persons as (
        select distinct
            keys.event_id,
            case when driver_link.found then driver_link.person_key else quarantine.person_key end
                as person_key
        from l2_event_keys as keys
        -- The drivers the event's keys match, each key by its index for this event: the
        -- license by drivers_license_key_idx, the phones by drivers_phone_key_idx (a subquery
        -- the planner cannot turn into a join, whatever its estimates). Union all: a driver
        -- both keys match is one person for the distinct above, and a union set up a hash
        -- table, sized for thousands of drivers, for each event (0.9 s for 20,000 events).
        cross join lateral (
            select driver.driver_id
            from public.drivers as driver
            where orphans.driver_license_key(
                driver.license_normalized_number, driver.license_number
            ) = keys.license_key
            union all
            select driver.driver_id
            from public.drivers as driver
            where orphans.normalize_phone(driver.phone) in (keys.phone_key, keys.park_phone_key)
        ) as driver
        -- The driver's person: its driver link's, else its quarantine row's (not purged), each
        -- looked up by index for this driver, the quarantine only for a driver without a link.
        left join lateral (
            select true as found, link.person_key
            from canon.identity_links as link
            where link.source_table = 'drivers'
                and link.source_pk = driver.driver_id
            offset 0
        ) as driver_link
            on true
        left join lateral (
            select true as found, quarantine.person_key
            from canon.driver_orphan_quarantine as quarantine
            where driver_link.found is null
                and quarantine.driver_id = driver.driver_id
                and quarantine.status <> 'purged'
            offset 0
        ) as quarantine
            on true
        where driver_link.found or quarantine.found
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
            -- This session's share of the events (the flags of an event's relations depend on
            -- that event alone; mod keeps the id's sign, as in classify_orphans).
            and mod(staged.event_id, p_parts) in (p_part, p_part - p_parts)
        group by staged.driver_id, staged.event_id, staged.level
    ),

    flagged as (
        select
            flags.driver_id,
            flags.event_id,
            case flags.level
                when 'L1' then flags.names_another_person
                else flags.matches_another_person
            end as is_ambiguous,
            flags.level = 'L2' and flags.names_another_person as is_claimed_by_other
        from flags
    )

    update orphans.run_events as staged
    set
        is_ambiguous = flagged.is_ambiguous,
        is_claimed_by_other = flagged.is_claimed_by_other
    from flagged
    where staged.run_id = p_run_id
        and staged.driver_id = flagged.driver_id
        and staged.event_id = flagged.event_id
        and (staged.is_ambiguous, staged.is_claimed_by_other)
            is distinct from (flagged.is_ambiguous, flagged.is_claimed_by_other);
end
