-- select_lead_candidates: the lead rows that driver :driver_id's considered lead events point at
-- (the events the pipeline recorded in its quarantine row's evidence_json, with their level and
-- why they were or were not used), each looked up now: whether the lead row exists (by
-- domain.md's source_pk convention, orphans.cabinet_source_pk for cabinet leads), what it says
-- (name, phone, license, date: a date whatever CT4's column type), and which person owns it
-- through a link under any of its keys (orphans.lead_row_links: a scouting row's id::text and
-- the md5 key CT4's ingestion links it under), with that person's name and driver ids. A row
-- is relinkable only when it exists and no link of it, under any key, is anybody's.
-- Returns one row per considered event, strongest level first.
with quarantine as (
    select
        quarantine_row.driver_id,
        quarantine_row.person_key,
        quarantine_row.evidence_json
    from canon.driver_orphan_quarantine as quarantine_row
    where quarantine_row.driver_id = :driver_id
),

considered as (
    select
        quarantine.person_key,
        event.ordinality as position,
        event.value ->> 'event_id' as event_id,
        event.value ->> 'source_table' as source_table,
        event.value ->> 'source_pk' as source_pk,
        event.value ->> 'event_date' as event_date,
        event.value ->> 'level' as level,
        event.value ->> 'match_strategy' as match_strategy,
        event.value ->> 'why' as why,
        coalesce((event.value ->> 'used')::boolean, false) as used
    from quarantine
    cross join lateral jsonb_array_elements(
        case
            when jsonb_typeof(quarantine.evidence_json -> 'lead_events') = 'array'
                then quarantine.evidence_json -> 'lead_events'
            else '[]'::jsonb
        end
    ) with ordinality as event (value, ordinality)
),

described as (
    select
        considered.*,
        coalesce(cabinet.id is not null, false)
        or coalesce(scouting.id is not null, false)
        or coalesce(migration.id is not null, false) as lead_exists,
        coalesce(
            nullif(concat_ws(' ', cabinet.first_name, cabinet.middle_name, cabinet.last_name), ''),
            scouting.driver_name,
            migration.driver_name
        ) as lead_name,
        coalesce(cabinet.park_phone, scouting.driver_phone) as lead_phone,
        scouting.driver_license as lead_license,
        migration.driver_id as lead_driver_id,
        coalesce(
            cabinet.lead_created_at::date,
            scouting.registration_date::date,
            migration.hire_date::date
        ) as lead_date
    from considered
    left join public.module_ct_cabinet_leads as cabinet
        on considered.source_table = 'module_ct_cabinet_leads'
        and orphans.cabinet_source_pk(cabinet.external_id, cabinet.id) = considered.source_pk
    left join public.module_ct_scouting_daily as scouting
        on considered.source_table = 'module_ct_scouting_daily'
        and scouting.id = orphans.source_pk_id(considered.source_pk)
    left join public.module_ct_migrations as migration
        on considered.source_table = 'module_ct_migrations'
        and migration.id = orphans.source_pk_id(considered.source_pk)
)

select
    described.position,
    described.event_id,
    described.source_table,
    described.source_pk,
    described.event_date,
    described.level,
    described.match_strategy,
    described.why,
    described.used,
    described.lead_exists,
    described.lead_name,
    described.lead_phone,
    described.lead_license,
    described.lead_driver_id,
    described.lead_date,
    owner_link.person_key::text as owner_person_key,
    owner_link.match_rule as owner_match_rule,
    owner_registry.primary_full_name as owner_full_name,
    owner_link.person_key is not null
        and owner_link.person_key = described.person_key as is_own_lead,
    (
        select string_agg(owner_driver.source_pk, ', ' order by owner_driver.source_pk)
        from canon.identity_links as owner_driver
        where owner_driver.person_key = owner_link.person_key
            and owner_driver.source_table = 'drivers'
    ) as owner_driver_ids,
    described.lead_exists
        and described.person_key is not null
        and owner_link.person_key is null as is_relinkable
from described
left join lateral (
    -- The lead row's owner: another person's link first (a relink would be refused), else
    -- this person's own.
    select lead_link.person_key, lead_link.match_rule
    from orphans.lead_row_links(described.source_table, described.source_pk) as lead_link
    order by lead_link.person_key is not distinct from described.person_key, lead_link.link_id
    limit 1
) as owner_link on true
left join canon.identity_registry as owner_registry
    on owner_registry.person_key = owner_link.person_key
order by described.position
