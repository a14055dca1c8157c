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
-- person. The first row_limit by driver_id, all when NULL. Revision 0014's function, with the
-- keys of the changed drivers read by the drivers' primary key for those drivers alone (the
-- planner hashed every one of CT4's drivers, twice, to find them: 0.8 s of a run after 1 % of
-- 1,000,000 drivers changed), and the driver links no longer copied whole before the orphans
-- are sought among them (0.5 s of every run at 1,000,000). Returns bigint: the candidates.
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

        quarantined as materialized (
            select
                quarantine.driver_id,
                coalesce(driver_link.person_key, quarantine.person_key) as person_key
            from canon.driver_orphan_quarantine as quarantine
            -- offset 0: each row's driver link by (source_table, source_pk), never a hash of
            -- every driver link (0.4 s at 1,000,000 drivers for 52,500 rows).
            left join lateral (
                select link.person_key
                from canon.identity_links as link
                where link.source_table = 'drivers'
                    and link.source_pk = quarantine.driver_id
                offset 0
            ) as driver_link
                on true
            where quarantine.status = 'quarantined'
                and not (select scope.full_sweep from scope)
        ),

        rejudged_drivers as (
            select changes.key as driver_id
            from changes
            where changes.kind = 'driver'
            union
            select quarantined.driver_id
            from quarantined
            inner join changes
                on changes.kind in ('driver', 'event_driver')
                and btrim(changes.key) = btrim(quarantined.driver_id)
            union
            select quarantined.driver_id
            from quarantined
            inner join changes
                on changes.kind = 'person'
                and changes.key = quarantined.person_key::text
            union
            select driver.driver_id
            from public.drivers as driver
            where orphans.normalize_phone(driver.phone) = any (array(
                select changes.key from changes where changes.kind = 'event_phone'
            ))
            union
            select driver.driver_id
            from public.drivers as driver
            where orphans.driver_license_key(driver.license_normalized_number, driver.license_number)
                = any (array(
                    select changes.key from changes where changes.kind = 'event_license'
                ))
            union
            select judged.driver_id
            from orphans.judged_events as judged
            inner join touched_events
                on touched_events.event_id = judged.event_id
            union
            select judged.driver_id
            from orphans.judged_events as judged
            inner join changes
                on changes.kind = 'lead'
                and changes.source_table = judged.source_table
                and changes.key = judged.source_pk
            union
            select judged.driver_id
            from orphans.judged_events as judged
            inner join changes
                on changes.kind = 'lead'
                and changes.source_table = judged.source_table
                and changes.key = judged.alt_source_pk
        ),

        rejudged as materialized (
            select quarantined.driver_id, quarantined.person_key
            from quarantined
            inner join rejudged_drivers
                on rejudged_drivers.driver_id = quarantined.driver_id
        ),

        -- Not materialized: scanned once for the orphans, where only their rows are kept, and
        -- looked up by driver for the rows still quarantined (a materialized copy of every
        -- driver link cost 0.5 s at 1,000,000 drivers).
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

        orphan_links as materialized (
            select driver_links.*
            from driver_links
            where not exists (
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
        ),

        -- Every row still quarantined of a person that has a candidate: a repair or a release
        -- is decided per person, so a run stages all of a person's rows or none.
        selected as (
            select rejudged.driver_id
            from rejudged
            union
            select quarantined.driver_id
            from quarantined
            inner join (
                select rejudged.person_key
                from rejudged
                union
                select orphan_links.person_key
                from orphan_links
            ) as persons
                on persons.person_key = quarantined.person_key
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
