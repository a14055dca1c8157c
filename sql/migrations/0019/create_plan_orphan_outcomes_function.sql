-- create_plan_orphan_outcomes_function: orphans.plan_orphan_outcomes(run_id), each
-- candidate's outcome, judged on the final state (sql/pipeline/plan_orphan_outcomes.sql of
-- revision 0011 says how), as a function of the owner's. Revision 0013's, with whether each
-- candidate's person has a lead link, and its registry row, looked up by index for each
-- (lateral subqueries the planner cannot turn into joins): it hashed every lead link and read
-- the whole registry instead, 1.3 s of 3.2 s for 97,500 candidates at 1,000,000 drivers. The
-- lookups grow with the candidates, not with CT4. Returns bigint: the outcomes planned.
create or replace function orphans.plan_orphan_outcomes(p_run_id text)
returns bigint
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    select orphans.require_run(p_run_id, false);
    with planned as (
        insert into orphans.run_outcomes (
            run_id,
            driver_id,
            person_key,
            creation_rule,
            lead_events_count,
            prior_status,
            prior_reason,
            status,
            detected_reason,
            action,
            evidence_level,
            match_strategy,
            links_created,
            resolution_notes,
            evidence_json
        )
        with candidates as (
            select
                candidate.driver_id,
                candidate.person_key,
                candidate.creation_rule,
                candidate.driver_link_evidence,
                quarantine.status::text as prior_status,
                quarantine.detected_reason::text as prior_reason
            from orphans.run_candidates as candidate
            left join canon.driver_orphan_quarantine as quarantine
                on quarantine.driver_id = candidate.driver_id
            where candidate.run_id = p_run_id
                and quarantine.status is distinct from 'purged'
                and (
                    quarantine.status is null
                    or quarantine.status = 'quarantined'
                    or not exists (
                        select 1
                        from orphans.lead_links as lead_link
                        where lead_link.person_key = candidate.person_key
                            and not exists (
                                select 1
                                from orphans.run_links as planned
                                where planned.run_id = p_run_id
                                    and planned.is_created
                                    and planned.source_table = lead_link.source_table
                                    and planned.source_pk = lead_link.source_pk
                            )
                    )
                )
        ),

        created_links as (
            select
                planned.person_key,
                planned.driver_id,
                planned.source_table,
                planned.source_pk
            from orphans.run_links as planned
            where planned.run_id = p_run_id
                and planned.is_created
        ),

        events as (
            select
                event.driver_id,
                event.event_id,
                event.source_table,
                event.source_pk,
                event.event_date,
                event.level,
                event.match_strategy,
                case
                    when event.why = 'usable' and created_links.source_pk is not null
                        then 'linked'
                    when event.why = 'usable' then 'lost_to_concurrent_link'
                    else event.why
                end as why,
                row_number() over (
                    partition by event.driver_id order by event.level, event.event_id
                ) as position
            from orphans.run_events as event
            left join created_links
                on created_links.source_table = event.source_table
                and created_links.source_pk = event.source_pk
            where event.run_id = p_run_id
        ),

        events_per_driver as (
            select
                events.driver_id,
                count(*) as lead_events_count,
                min(events.level) as best_level,
                min(events.level) filter (where events.why = 'linked') as linked_level,
                (array_agg(events.match_strategy order by events.level, events.event_id))[1]
                    as best_strategy,
                (array_agg(events.match_strategy order by events.level, events.event_id)
                    filter (where events.why = 'linked'))[1] as linked_strategy,
                jsonb_agg(
                    jsonb_build_object(
                        'event_id', events.event_id,
                        'source_table', events.source_table,
                        'source_pk', events.source_pk,
                        'event_date', events.event_date,
                        'level', events.level,
                        'match_strategy', events.match_strategy,
                        'used', events.why = 'linked',
                        'why', events.why
                    )
                    order by events.level, events.event_id
                ) filter (where events.position <= 20) as considered
            from events
            group by events.driver_id
        ),

        links_per_driver as (
            select
                created_links.driver_id,
                count(*) as links_created
            from created_links
            group by created_links.driver_id
        ),

        persons_with_lead as materialized (
            select candidate_persons.person_key
            from (select distinct person_key from candidates) as candidate_persons
            -- limit 1: one lookup by (person_key, source_table) for each person.
            cross join lateral (
                select 1
                from orphans.lead_links as lead_link
                where lead_link.person_key = candidate_persons.person_key
                limit 1
            ) as lead_link
            union
            select created_links.person_key
            from created_links
        ),

        relinked_persons as materialized (
            select distinct created_links.person_key
            from created_links
        ),

        final_state as (
            select
                candidates.driver_id,
                persons_with_lead.person_key is not null as has_lead_link,
                relinked_persons.person_key is not null as was_relinked
            from candidates
            left join persons_with_lead
                on persons_with_lead.person_key = candidates.person_key
            left join relinked_persons
                on relinked_persons.person_key = candidates.person_key
        ),

        outcomes as (
            select
                candidates.*,
                coalesce(events_per_driver.lead_events_count, 0) as lead_events_count,
                events_per_driver.best_level,
                events_per_driver.linked_level,
                events_per_driver.best_strategy,
                events_per_driver.linked_strategy,
                events_per_driver.considered,
                coalesce(links_per_driver.links_created, 0) as links_created,
                final_state.has_lead_link,
                final_state.was_relinked
            from candidates
            inner join final_state
                on final_state.driver_id = candidates.driver_id
            left join events_per_driver
                on events_per_driver.driver_id = candidates.driver_id
            left join links_per_driver
                on links_per_driver.driver_id = candidates.driver_id
        )

        select
            p_run_id,
            outcomes.driver_id,
            outcomes.person_key,
            outcomes.creation_rule,
            outcomes.lead_events_count,
            outcomes.prior_status,
            outcomes.prior_reason,
            case when outcomes.has_lead_link then 'resolved_relinked' else 'quarantined' end,
            case
                when outcomes.has_lead_link and outcomes.prior_reason is not null
                    then outcomes.prior_reason
                when outcomes.lead_events_count = 0 then 'no_lead_no_events'
                when outcomes.has_lead_link then 'no_lead_has_events'
                else 'no_lead_has_events_repair_failed'
            end,
            case
                when outcomes.has_lead_link and outcomes.was_relinked then 'relinked'
                when outcomes.has_lead_link then 'released'
                when outcomes.prior_status = 'quarantined' then 'kept_quarantined'
                else 'quarantined'
            end,
            coalesce(outcomes.linked_level, outcomes.best_level, 'none'),
            coalesce(outcomes.linked_strategy, outcomes.best_strategy),
            outcomes.links_created,
            case
                when outcomes.has_lead_link and outcomes.was_relinked then
                    'relinked by the orphans pipeline (run ' || p_run_id || ') from a '
                    || coalesce(outcomes.linked_level || ' ' || outcomes.linked_strategy, 'lead')
                    || ' lead event'
                when outcomes.has_lead_link then
                    'released by the orphans pipeline (run ' || p_run_id
                    || '): the person already has a lead link'
            end,
            jsonb_build_object(
                'driver_link', jsonb_build_object(
                    'match_rule', outcomes.creation_rule,
                    'evidence', outcomes.driver_link_evidence
                ),
                'registry', jsonb_build_object(
                    'primary_phone', registry.primary_phone,
                    'primary_license', registry.primary_license,
                    'primary_full_name', registry.primary_full_name
                ),
                'lead_events_count', outcomes.lead_events_count,
                'lead_events', coalesce(outcomes.considered, '[]'::jsonb)
            )
        from outcomes
        -- offset 0: each candidate's registry row by its primary key.
        left join lateral (
            select registry.primary_phone, registry.primary_license, registry.primary_full_name
            from canon.identity_registry as registry
            where registry.person_key = outcomes.person_key
            offset 0
        ) as registry
            on true
        returning 1
    )
    select count(*) from planned;
end
