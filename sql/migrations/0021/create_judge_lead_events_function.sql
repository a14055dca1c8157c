-- create_judge_lead_events_function: orphans.judge_lead_events(run_id), decide, inside the
-- applying transaction (so against the current state), why each related event of the running
-- run is or is not usable, in order: weak_only (L3), ambiguous, claimed_by_other_person,
-- driver_purged (since detection), driver_decided (a reviewer resolved it since detection: its
-- person has a lead link), no_person, lead_row_missing, conflict (a link of the lead row, under
-- any of its keys, belongs to another person: never taken from its owner), already_linked (every
-- link of the lead row is this person's), usable. A scouting row has two keys in CT4 (id::text,
-- as events name it, and the md5 key CT4's scouting ingestion links it under):
-- orphans.lead_row_links looks both up, once per distinct lead row. Lead rows are looked up once
-- per distinct lead by domain.md's source_pk convention. Revision 0013's function, except that
-- whether a decided row's person has a lead link is looked up for that row alone: as an EXISTS,
-- the planner hashed every lead link of CT4 for it, once some row was decided (0.3-0.5 s of a
-- first execute at 1,000,000 drivers). Returns nothing.
create or replace function orphans.judge_lead_events(p_run_id text)
returns void
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    select orphans.require_run(p_run_id, false);
    with strong_leads as (
        select distinct
            event.source_table,
            event.source_pk
        from orphans.run_events as event
        where event.run_id = p_run_id
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

    -- Every person a link of the lead row belongs to, under either key of a scouting row.
    lead_owners as materialized (
        select
            strong_leads.source_table,
            strong_leads.source_pk,
            array_agg(distinct owner_link.person_key) as owners
        from strong_leads
        cross join lateral orphans.lead_row_links(
            strong_leads.source_table, strong_leads.source_pk
        ) as owner_link
        group by strong_leads.source_table, strong_leads.source_pk
    ),

    -- Materialized: computed on its own first. Inlined into the UPDATE, the self-join is
    -- estimated at one row and the lead lookups end up repeated for every event.
    judged as materialized (
        select
            event.driver_id,
            event.event_id,
            case
                when event.level = 'L3' then 'weak_only'
                when event.is_ambiguous then 'ambiguous'
                when event.is_claimed_by_other then 'claimed_by_other_person'
                when quarantine.status = 'purged' then 'driver_purged'
                -- A scalar subquery: looked up by index for each decided row, never hashed.
                when quarantine.status in ('resolved_relinked', 'resolved_created_lead')
                    and (
                        select true
                        from orphans.lead_links as lead_link
                        where lead_link.person_key = event.person_key
                        limit 1
                    ) then 'driver_decided'
                when event.person_key is null then 'no_person'
                when existing_leads.source_pk is null then 'lead_row_missing'
                when not (lead_owners.owners <@ array[event.person_key]) then 'conflict'
                when lead_owners.owners is not null then 'already_linked'
                else 'usable'
            end as why
        from orphans.run_events as event
        left join existing_leads
            on existing_leads.source_table = event.source_table
            and existing_leads.source_pk = event.source_pk
        left join lead_owners
            on lead_owners.source_table = event.source_table
            and lead_owners.source_pk = event.source_pk
        left join canon.driver_orphan_quarantine as quarantine
            on quarantine.driver_id = event.driver_id
        where event.run_id = p_run_id
    )

    update orphans.run_events as event
    set why = judged.why
    from judged
    where event.run_id = p_run_id
        and event.driver_id = judged.driver_id
        and event.event_id = judged.event_id;
end
