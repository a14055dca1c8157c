-- judge_lead_events: decide, inside the applying transaction (so against the current state), why
-- each related event of run :run_id is or is not usable, in order:
--   weak_only (L3), ambiguous, claimed_by_other_person, driver_purged (since detection),
--   driver_decided (a reviewer resolved it since detection: its person has a lead link),
--   no_person (the candidate has no person), lead_row_missing, conflict (the lead row is linked
--   to another person: never taken from its owner), already_linked (to this person), usable.
-- Lead rows are looked up once per distinct lead, by domain.md's source_pk convention (cabinet:
-- orphans.cabinet_source_pk; the same as orphans.lead_row_exists, which single lookups use).
-- The lead link of driver_decided is orphans.lead_links. Returns nothing.
with strong_leads as (
    select distinct
        event.source_table,
        event.source_pk
    from orphans.run_events as event
    where event.run_id = :run_id
        and event.level in ('L1', 'L2')
),

existing_leads as (
    select strong_leads.source_table, strong_leads.source_pk
    from strong_leads
    where strong_leads.source_table = 'module_ct_cabinet_leads'
        and exists (
            select 1
            from public.module_ct_cabinet_leads as lead
            where orphans.cabinet_source_pk(lead.external_id, lead.id) = strong_leads.source_pk
        )
    union all
    select strong_leads.source_table, strong_leads.source_pk
    from strong_leads
    where strong_leads.source_table = 'module_ct_scouting_daily'
        and exists (
            select 1
            from public.module_ct_scouting_daily as lead
            where lead.id = orphans.source_pk_id(strong_leads.source_pk)
        )
    union all
    select strong_leads.source_table, strong_leads.source_pk
    from strong_leads
    where strong_leads.source_table = 'module_ct_migrations'
        and exists (
            select 1
            from public.module_ct_migrations as lead
            where lead.id = orphans.source_pk_id(strong_leads.source_pk)
        )
),

-- Materialized: computed on its own first. Inlined into the UPDATE, the self-join is estimated
-- at one row and the lead lookups end up repeated for every event.
judged as materialized (
    select
        event.driver_id,
        event.event_id,
        case
            when event.level = 'L3' then 'weak_only'
            when event.is_ambiguous then 'ambiguous'
            when event.is_claimed_by_other then 'claimed_by_other_person'
            when quarantine.status = 'purged' then 'driver_purged'
            when quarantine.status in ('resolved_relinked', 'resolved_created_lead')
                and exists (
                    select 1
                    from orphans.lead_links as lead_link
                    where lead_link.person_key = event.person_key
                ) then 'driver_decided'
            when event.person_key is null then 'no_person'
            when existing_leads.source_pk is null then 'lead_row_missing'
            when owner_link.person_key <> event.person_key then 'conflict'
            when owner_link.person_key = event.person_key then 'already_linked'
            else 'usable'
        end as why
    from orphans.run_events as event
    left join existing_leads
        on existing_leads.source_table = event.source_table
        and existing_leads.source_pk = event.source_pk
    left join canon.identity_links as owner_link
        on owner_link.source_table = event.source_table
        and owner_link.source_pk = event.source_pk
    left join canon.driver_orphan_quarantine as quarantine
        on quarantine.driver_id = event.driver_id
    where event.run_id = :run_id
)

update orphans.run_events as event
set why = judged.why
from judged
where event.run_id = :run_id
    and event.driver_id = judged.driver_id
    and event.event_id = judged.event_id
