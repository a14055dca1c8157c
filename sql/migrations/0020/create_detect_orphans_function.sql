-- create_detect_orphans_function: orphans.detect_orphans(run_id, row_limit, full), stage a
-- running run's candidates in orphans.run_candidates. First it records the run's scope and the
-- snapshot it reads the change log against: a full sweep when asked (`full`), when no execute
-- has judged yet or judged under another schema revision (the rules changed), or when a logged
-- table was truncated; otherwise incremental. Candidates: every orphan (a driver link whose
-- person has no lead link) not purged and not still quarantined; plus the rows still
-- quarantined, all of them in a full sweep, else those whose judgement reads something changed
-- since the last judged snapshot (orphans.changed_keys): their driver or its keys, their
-- person, an event or lead row they were judged with (orphans.judged_events), an event naming
-- a changed driver or carrying a changed driver's phone or license (its ambiguity); and every
-- row still quarantined of a person any candidate has, since a repair or release is decided per
-- person. The first row_limit by driver_id, all when NULL. Revision 0019's function, with what
-- an incremental run reads found from the changes by index: it seeks orphans among the driver
-- links of the changed persons and drivers only (every driver link was read, and every lead
-- link hashed, in every run: 1.1 s at 1,000,000 drivers with nothing changed), and finds the
-- rows still quarantined to judge again by driver and by person (every such row was read with
-- its driver link, and the planner, unable to estimate how few rows the changes yield, sized
-- one join for hundreds of millions of rows: 5 s after 1 % of 1,000,000 drivers changed).
-- Returns bigint: the candidates.
create or replace function orphans.detect_orphans(
    p_run_id text, p_row_limit integer, p_full boolean
)
returns bigint
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    select orphans.require_run(p_run_id, false);
    -- The snapshot is taken before the candidates are read: a change it misses is read by the
    -- next statement too, or by the next run, never by neither.
    update orphans.runs as run
    set
        scope = case
            when p_full
                or not exists (
                    select 1
                    from orphans.judgement_watermark as watermark
                    where watermark.rules_revision = (
                        select version.version_num
                        from public.orphans_pipeline_alembic_version as version
                        limit 1
                    )
                )
                or exists (
                    select 1
                    from orphans.judgement_watermark as watermark
                    inner join orphans.changed_keys as change
                        on change.kind = 'all'
                        and not pg_visible_in_snapshot(change.xid, watermark.judged_snapshot)
                )
                then 'full'
            else 'incremental'
        end,
        judged_snapshot = pg_current_snapshot()::text,
        rules_revision = (
            select version.version_num
            from public.orphans_pipeline_alembic_version as version
            limit 1
        )
    where run.run_id = p_run_id;
    with staged as (
        insert into orphans.run_candidates (
            run_id,
            driver_id,
            driver_key,
            person_key,
            driver_link_id,
            creation_rule,
            driver_link_evidence
        )
        with scope as materialized (
            select run.scope = 'full' as full_sweep
            from orphans.runs as run
            where run.run_id = p_run_id
        ),

        changes as materialized (
            select
                change.kind,
                change.source_table,
                change.key
            from orphans.changed_keys as change
            inner join orphans.judgement_watermark as watermark
                on change.xid >= pg_snapshot_xmin(watermark.judged_snapshot)
                and not pg_visible_in_snapshot(change.xid, watermark.judged_snapshot)
            where not (select scope.full_sweep from scope)
        ),

        -- The keys of changed drivers: an event carrying one may have become, or stopped
        -- being, ambiguous for every driver it relates to.
        driver_keys as materialized (
            select changes.kind, changes.key
            from changes
            where changes.kind in ('driver_phone', 'driver_license')
            union
            select driver_key.kind, driver_key.key
            from public.drivers as driver
            cross join lateral (
                values
                ('driver_phone', orphans.normalize_phone(driver.phone)),
                (
                    'driver_license',
                    orphans.driver_license_key(
                        driver.license_normalized_number, driver.license_number
                    )
                )
            ) as driver_key (kind, key)
            where driver.driver_id = any (array(
                select changes.key from changes where changes.kind = 'driver'
            ))
        ),

        touched_events as materialized (
            select orphans.source_pk_id(changes.key) as event_id
            from changes
            where changes.kind = 'event'
            union
            select event.id
            from observational.lead_events as event
            where orphans.payload_driver_ids(event.payload_json) && array(
                select btrim(changes.key) from changes where changes.kind = 'driver'
            )
            union
            select event.id
            from observational.lead_events as event
            where orphans.normalize_license(event.payload_json ->> 'driver_license') = any (array(
                select driver_keys.key from driver_keys where driver_keys.kind = 'driver_license'
            ))
            union
            select event.id
            from observational.lead_events as event
            where orphans.normalize_phone(event.payload_json ->> 'driver_phone') = any (array(
                select driver_keys.key from driver_keys where driver_keys.kind = 'driver_phone'
            ))
            union
            select event.id
            from observational.lead_events as event
            where event.source_table = 'module_ct_cabinet_leads'
                and orphans.normalize_phone(event.payload_json ->> 'park_phone') = any (array(
                    select driver_keys.key from driver_keys where driver_keys.kind = 'driver_phone'
                ))
        ),

        -- The persons whose links (or events, or registry row) changed: their driver links may
        -- have become orphans, and their rows still quarantined are judged again.
        changed_persons as materialized (
            select distinct changes.key::uuid as person_key
            from changes
            where changes.kind = 'person'
        ),

        -- Rows still quarantined that a changed driver, or an event naming one, names: by the
        -- trimmed id (an event may name the driver padded), against the quarantine's rows alone.
        trimmed_drivers as (
            select quarantine.driver_id
            from canon.driver_orphan_quarantine as quarantine
            inner join changes
                on changes.kind in ('driver', 'event_driver')
                and btrim(changes.key) = btrim(quarantine.driver_id)
            where quarantine.status = 'quarantined'
        ),

        -- A row still quarantined belongs to the person of its driver link, else (no link) to
        -- its own person_key. The rows by their own person_key are read once, whole: a lookup
        -- by person_key needs an index CT4's real schema has and its subset does not (3,500
        -- persons, one scan of the quarantine each: 57 s at 1,000,000 drivers).
        own_person_rows as materialized (
            select quarantine.driver_id, quarantine.person_key
            from canon.driver_orphan_quarantine as quarantine
            where quarantine.status = 'quarantined'
                and quarantine.person_key is not null
                and not (select scope.full_sweep from scope)
        ),

        -- Each changed person's rows: by its driver links (by index), and the rows without a
        -- driver link that name it themselves.
        changed_person_rows as (
            select quarantine.driver_id
            from changed_persons
            cross join lateral (
                select quarantine.driver_id
                from canon.identity_links as link
                cross join lateral (
                    -- offset 0: by primary key; the status is tested after, so no row count
                    -- the statistics may hold for it (stale after an execute) leads the planner
                    -- to read every row still quarantined for each person.
                    select keyed.driver_id, keyed.status
                    from canon.driver_orphan_quarantine as keyed
                    where keyed.driver_id = link.source_pk
                    offset 0
                ) as quarantine
                where link.person_key = changed_persons.person_key
                    and link.source_table = 'drivers'
                    and quarantine.status = 'quarantined'
                offset 0
            ) as quarantine
            union all
            select own_person_rows.driver_id
            from own_person_rows
            inner join changed_persons
                on changed_persons.person_key = own_person_rows.person_key
            -- limit 1: each row's driver link by index, never a hash of every driver link.
            left join lateral (
                select 1 as found
                from canon.identity_links as link
                where link.source_table = 'drivers'
                    and link.source_pk = own_person_rows.driver_id
                limit 1
            ) as driver_link
                on true
            where driver_link.found is null
        ),

        -- union all: only read for the distinct ids below, never hashed whole (the planner
        -- cannot estimate how few rows the changes yield).
        rejudged_drivers as (
            select changes.key as driver_id
            from changes
            where changes.kind = 'driver'
            union all
            select trimmed_drivers.driver_id
            from trimmed_drivers
            union all
            select changed_person_rows.driver_id
            from changed_person_rows
            union all
            select driver.driver_id
            from public.drivers as driver
            where orphans.normalize_phone(driver.phone) = any (array(
                select changes.key from changes where changes.kind = 'event_phone'
            ))
            union all
            select driver.driver_id
            from public.drivers as driver
            where orphans.driver_license_key(driver.license_normalized_number, driver.license_number)
                = any (array(
                    select changes.key from changes where changes.kind = 'event_license'
                ))
            union all
            select judged.driver_id
            from orphans.judged_events as judged
            inner join touched_events
                on touched_events.event_id = judged.event_id
            union all
            select judged.driver_id
            from orphans.judged_events as judged
            inner join changes
                on changes.kind = 'lead'
                and changes.source_table = judged.source_table
                and changes.key = judged.source_pk
            union all
            select judged.driver_id
            from orphans.judged_events as judged
            inner join changes
                on changes.kind = 'lead'
                and changes.source_table = judged.source_table
                and changes.key = judged.alt_source_pk
        ),

        -- The rows still quarantined to judge again, each with its person (its driver link's,
        -- else its own): looked up by primary key, driver by driver.
        rejudged as materialized (
            select quarantine.driver_id, quarantine.person_key
            from (
                select distinct rejudged_drivers.driver_id
                from rejudged_drivers
            ) as wanted
            cross join lateral (
                select
                    quarantine.driver_id,
                    coalesce(driver_link.person_key, quarantine.person_key) as person_key
                from (
                    -- offset 0: by primary key, the status tested after (as above).
                    select keyed.driver_id, keyed.person_key, keyed.status
                    from canon.driver_orphan_quarantine as keyed
                    where keyed.driver_id = wanted.driver_id
                    offset 0
                ) as quarantine
                left join lateral (
                    select link.person_key
                    from canon.identity_links as link
                    where link.source_table = 'drivers'
                        and link.source_pk = quarantine.driver_id
                    offset 0
                ) as driver_link
                    on true
                where quarantine.status = 'quarantined'
                offset 0
            ) as quarantine
        ),

        -- Not materialized: scanned once for the orphans in a full sweep, where only their rows
        -- are kept, and looked up by driver for the rows still quarantined (a materialized copy
        -- of every driver link cost 0.5 s at 1,000,000 drivers).
        driver_links as not materialized (
            select
                link.id,
                link.person_key,
                link.source_pk as driver_id,
                link.match_rule,
                link.evidence
            from canon.identity_links as link
            where link.source_table = 'drivers'
        ),

        -- An incremental run seeks orphans among the driver links of the changed persons and
        -- drivers alone: after an execute without a limit none is left (its check proves it),
        -- and a driver link becomes an orphan only through a change the log holds (a link of
        -- its person inserted, moved or deleted, its driver's quarantine row changed).
        sought_links as materialized (
            select
                link.id,
                link.person_key,
                link.source_pk as driver_id,
                link.match_rule,
                link.evidence
            from changed_persons
            cross join lateral (
                select driver_link.*
                from canon.identity_links as driver_link
                where driver_link.person_key = changed_persons.person_key
                    and driver_link.source_table = 'drivers'
                offset 0
            ) as link
            union
            select
                link.id,
                link.person_key,
                link.source_pk as driver_id,
                link.match_rule,
                link.evidence
            from changes
            cross join lateral (
                select driver_link.*
                from canon.identity_links as driver_link
                where driver_link.source_table = 'drivers'
                    and driver_link.source_pk = changes.key
                offset 0
            ) as link
            where changes.kind = 'driver'
        ),

        orphan_links as materialized (
            select driver_links.*
            from driver_links
            where (select scope.full_sweep from scope)
                and not exists (
                    select 1
                    from orphans.lead_links as lead_link
                    where lead_link.person_key = driver_links.person_key
                )
                and not exists (
                    select 1
                    from canon.driver_orphan_quarantine as decided
                    where decided.driver_id = driver_links.driver_id
                        and decided.status in ('purged', 'quarantined')
                )
            union all
            select sought_links.*
            from sought_links
            -- limit 1: each person's lead link by index, never a hash of every lead link.
            left join lateral (
                select 1 as found
                from orphans.lead_links as lead_link
                where lead_link.person_key = sought_links.person_key
                limit 1
            ) as lead_link
                on true
            where lead_link.found is null
                and not exists (
                    select 1
                    from canon.driver_orphan_quarantine as decided
                    where decided.driver_id = sought_links.driver_id
                        and decided.status in ('purged', 'quarantined')
                )
        ),

        -- Every row still quarantined of a person that has a candidate: a repair or a release
        -- is decided per person, so a run stages all of a person's rows or none. Looked up by
        -- person, as for the changed persons (none in a full sweep, which stages every row).
        candidate_persons as materialized (
            select rejudged.person_key
            from rejudged
            where rejudged.person_key is not null
            union
            select orphan_links.person_key
            from orphan_links
            where not (select scope.full_sweep from scope)
        ),

        selected as (
            select rejudged.driver_id
            from rejudged
            union
            select quarantine.driver_id
            from candidate_persons
            cross join lateral (
                select quarantine.driver_id
                from canon.identity_links as link
                cross join lateral (
                    -- offset 0: by primary key; the status is tested after, so no row count
                    -- the statistics may hold for it (stale after an execute) leads the planner
                    -- to read every row still quarantined for each person.
                    select keyed.driver_id, keyed.status
                    from canon.driver_orphan_quarantine as keyed
                    where keyed.driver_id = link.source_pk
                    offset 0
                ) as quarantine
                where link.person_key = candidate_persons.person_key
                    and link.source_table = 'drivers'
                    and quarantine.status = 'quarantined'
                offset 0
            ) as quarantine
            union
            select own_person_rows.driver_id
            from own_person_rows
            inner join candidate_persons
                on candidate_persons.person_key = own_person_rows.person_key
            left join lateral (
                select 1 as found
                from canon.identity_links as link
                where link.source_table = 'drivers'
                    and link.source_pk = own_person_rows.driver_id
                limit 1
            ) as driver_link
                on true
            where driver_link.found is null
        ),

        still_quarantined as (
            select
                driver_links.id,
                coalesce(driver_links.person_key, quarantine.person_key) as person_key,
                quarantine.driver_id,
                coalesce(driver_links.match_rule, quarantine.creation_rule) as match_rule,
                driver_links.evidence
            from canon.driver_orphan_quarantine as quarantine
            left join driver_links
                on driver_links.driver_id = quarantine.driver_id
            where quarantine.status = 'quarantined'
                and (select scope.full_sweep from scope)
            union all
            select
                driver_links.id,
                coalesce(driver_links.person_key, quarantine.person_key) as person_key,
                quarantine.driver_id,
                coalesce(driver_links.match_rule, quarantine.creation_rule) as match_rule,
                driver_links.evidence
            from selected
            inner join canon.driver_orphan_quarantine as quarantine
                on quarantine.driver_id = selected.driver_id
            -- offset 0: a lookup by (source_table, source_pk) for each row, never a hash of every
            -- driver link (the planner cannot know how few rows are selected).
            left join lateral (
                select driver_link.*
                from driver_links as driver_link
                where driver_link.driver_id = quarantine.driver_id
                offset 0
            ) as driver_links
                on true
            where quarantine.status = 'quarantined'
        ),

        candidates as (
            select id, person_key, driver_id, match_rule, evidence
            from orphan_links
            union all
            select id, person_key, driver_id, match_rule, evidence
            from still_quarantined
        )

        select
            p_run_id,
            candidates.driver_id,
            btrim(candidates.driver_id),
            candidates.person_key,
            candidates.id,
            candidates.match_rule,
            candidates.evidence
        from candidates
        order by candidates.driver_id
        limit p_row_limit
        returning 1
    )
    select count(*) from staged;
end
