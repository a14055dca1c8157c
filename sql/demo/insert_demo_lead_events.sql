-- insert_demo_lead_events: the lead events. Healthy drivers get one from their lead row; each
-- orphan case gets the evidence its case names (see create_demo_plan); the no-evidence case
-- gets an event of a non-lead table that names it (ignored by every rule). Returns nothing.
insert into observational.lead_events (
    source_table, source_pk, event_date, person_key, scout_id, payload_json
)
with events as (
    select
        plan.*,
        case
            when plan.kind = 'healthy' then plan.healthy_lead_table
            when plan.kind in ('l1_direct', 'l2_license', 'ambiguous', 'lead_missing')
                then 'module_ct_scouting_daily'
            when plan.kind in ('l1_numeric', 'l2_phone') then 'module_ct_cabinet_leads'
            when plan.kind = 'no_evidence' then 'drivers'
            else 'module_ct_migrations'
        end as source_table
    from demo_plan as plan
    where plan.kind <> all (array['prior_kept', 'prior_purged', 'prior_released'])
)

select
    events.source_table,
    case
        when events.source_table = 'module_ct_cabinet_leads'
            then coalesce(case when events.i % 2 = 0 then 'CAB-' || events.i end, events.i::text)
        when events.kind = 'no_evidence' then events.driver_id
        else events.i::text
    end,
    events.lead_date,
    case when events.kind = 'l3_only' or events.i % 2 = 0 then events.person_key end,
    1 + events.h % 40,
    case
        when events.kind = 'healthy' and events.source_table = 'module_ct_scouting_daily'
            then jsonb_build_object(
                'driver_id', events.driver_id,
                'driver_phone', events.phone,
                'driver_license', events.license
            )
        when events.kind = 'healthy' and events.source_table = 'module_ct_cabinet_leads'
            then jsonb_build_object('park_phone', events.phone, 'status', 'converted')
        when events.kind = 'healthy'
            then jsonb_build_object('driverId', events.driver_id)
        when events.kind in ('l1_direct', 'conflict', 'lead_missing', 'prior_repairable')
            then jsonb_build_object('driver_id', ' ' || events.driver_id || ' ')
        when events.kind = 'l1_nested'
            then jsonb_build_object('driver', jsonb_build_object('id', events.driver_id))
        when events.kind = 'l1_numeric'
            then jsonb_build_object('driverId', events.driver_id::bigint)
        when events.kind = 'l2_license'
            then jsonb_build_object('driver_license', 'Q ' || substr(events.license, 2, 4)
                || '.' || substr(events.license, 6))
        when events.kind = 'l2_phone'
            then jsonb_build_object('park_phone', '(051) ' || substr(events.phone, 1, 3) || '-'
                || substr(events.phone, 4, 3) || '-' || substr(events.phone, 7, 3))
        when events.kind = 'ambiguous'
            then jsonb_build_object('driver_phone', '+51' || shared.phone)
        when events.kind = 'l3_only'
            then jsonb_build_object('note', 'walk-in, no identifiers')
        else jsonb_build_object('driver_id', events.driver_id)
    end
from events
left join demo_plan as shared
    on shared.i = events.i - 85
