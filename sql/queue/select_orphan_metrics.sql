-- select_orphan_metrics: the review queue's figures. by_status counts every quarantine row
-- (all four statuses, zeros included); by_reason counts the rows currently quarantined (all
-- reasons, zeros included), so the reasons add up to the quarantined count. with/without lead
-- events split every row by the lead events the pipeline counted. last_updated_at is the last
-- history row's time. Returns one row.
with statuses as (
    select
        status.value::text as status,
        count(quarantine.driver_id) as rows
    from unnest(enum_range(null::orphan_status)) as status (value)
    left join canon.driver_orphan_quarantine as quarantine
        on quarantine.status = status.value
    group by status.value
),

reasons as (
    select
        reason.value::text as detected_reason,
        count(quarantine.driver_id) as rows
    from unnest(enum_range(null::orphan_detected_reason)) as reason (value)
    left join canon.driver_orphan_quarantine as quarantine
        on quarantine.detected_reason = reason.value
        and quarantine.status = 'quarantined'
    group by reason.value
),

events as (
    select
        count(*) filter (
            where coalesce((quarantine.evidence_json ->> 'lead_events_count')::int, 0) > 0
        ) as with_lead_events,
        count(*) filter (
            where coalesce((quarantine.evidence_json ->> 'lead_events_count')::int, 0) = 0
        ) as without_lead_events
    from canon.driver_orphan_quarantine as quarantine
)

select
    (select sum(statuses.rows) from statuses) as total_orphans,
    (select jsonb_object_agg(statuses.status, statuses.rows) from statuses) as by_status,
    (select jsonb_object_agg(reasons.detected_reason, reasons.rows) from reasons) as by_reason,
    events.with_lead_events,
    events.without_lead_events,
    (
        select max(history.changed_at)
        from canon.driver_orphan_quarantine_history as history
    ) as last_updated_at
from events
