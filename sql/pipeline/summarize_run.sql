-- summarize_run: the stats of run :run_id, from its work tables. The runbook's keys
-- (processed = resolved_relinked + quarantined + errors) and ours. Events are counted once per
-- event: links_skipped is the strong (L1/L2) events related to candidates that gave no new link.
-- Each work table is read once, every figure a filter of one aggregate (a count per figure read
-- the run's 100,000 outcomes eleven times at 1,000,000 drivers). Returns one row: stats (jsonb).
with outcomes as (
    select
        count(*) as processed,
        count(*) filter (where outcome.lead_events_count > 0) as with_events,
        count(*) filter (where outcome.lead_events_count = 0) as without_events,
        count(*) filter (where outcome.status = 'resolved_relinked') as resolved_relinked,
        count(*) filter (where outcome.status = 'quarantined') as quarantined,
        count(*) filter (where outcome.error is not null) as errors,
        count(*) filter (where outcome.action = 'relinked') as relinked,
        count(*) filter (where outcome.action = 'released') as released,
        count(*) filter (where outcome.action = 'quarantined') as newly_quarantined,
        count(*) filter (where outcome.action = 'kept_quarantined') as kept_quarantined,
        count(*) filter (where outcome.prior_status is null) as new_detections
    from orphans.run_outcomes as outcome
    where outcome.run_id = :run_id
),

events_once as (
    select
        event.event_id,
        bool_or(event.level in ('L1', 'L2')) as is_strong,
        bool_or(event.why = 'ambiguous') as is_ambiguous,
        bool_or(event.why = 'conflict') as is_conflict,
        bool_or(event.why = 'lead_row_missing') as is_lead_missing,
        bool_or(event.why = 'claimed_by_other_person') as is_claimed,
        bool_or(event.why = 'weak_only') as is_weak
    from orphans.run_events as event
    where event.run_id = :run_id
    group by event.event_id
),

events as (
    select
        count(*) filter (where events_once.is_strong) as strong,
        count(*) filter (where events_once.is_conflict) as conflicts,
        count(*) filter (where events_once.is_ambiguous) as ambiguous,
        count(*) filter (where events_once.is_claimed) as claimed,
        count(*) filter (where events_once.is_lead_missing) as lead_missing,
        count(*) filter (where events_once.is_weak and not events_once.is_strong) as weak_only
    from events_once
),

links as (
    select
        count(*) filter (where link.is_created) as created,
        count(*) filter (where not link.is_created) as lost
    from orphans.run_links as link
    where link.run_id = :run_id
)

select jsonb_build_object(
    'processed', outcomes.processed,
    'with_events', outcomes.with_events,
    'without_events', outcomes.without_events,
    'links_created', links.created,
    'links_skipped', events.strong - links.created,
    'resolved_relinked', outcomes.resolved_relinked,
    'quarantined', outcomes.quarantined,
    'errors', outcomes.errors,
    'relinked', outcomes.relinked,
    'released', outcomes.released,
    'newly_quarantined', outcomes.newly_quarantined,
    'kept_quarantined', outcomes.kept_quarantined,
    'new_detections', outcomes.new_detections,
    'conflicts', events.conflicts,
    'ambiguous', events.ambiguous,
    'claimed_by_other_person', events.claimed,
    'lead_rows_missing', events.lead_missing,
    'weak_only', events.weak_only,
    'links_lost_to_concurrent_writers', links.lost
) as stats
from outcomes
cross join events
cross join links
