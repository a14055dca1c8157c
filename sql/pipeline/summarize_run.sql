-- summarize_run: the stats of run :run_id, from its work tables. The runbook's keys
-- (processed = resolved_relinked + quarantined + errors) and ours. Events are counted once per
-- event: links_skipped is the strong (L1/L2) events related to candidates that gave no new link.
-- Returns one row: stats (jsonb).
with outcomes as (
    select *
    from orphans.run_outcomes
    where run_id = :run_id
),

events as (
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

links as (
    select
        count(*) filter (where is_created) as created,
        count(*) filter (where not is_created) as lost
    from orphans.run_links
    where run_id = :run_id
)

select jsonb_build_object(
    'processed', (select count(*) from outcomes),
    'with_events', (select count(*) from outcomes where lead_events_count > 0),
    'without_events', (select count(*) from outcomes where lead_events_count = 0),
    'links_created', (select created from links),
    'links_skipped', (select count(*) from events where is_strong) - (select created from links),
    'resolved_relinked', (select count(*) from outcomes where status = 'resolved_relinked'),
    'quarantined', (select count(*) from outcomes where status = 'quarantined'),
    'errors', (select count(*) from outcomes where error is not null),
    'relinked', (select count(*) from outcomes where action = 'relinked'),
    'released', (select count(*) from outcomes where action = 'released'),
    'newly_quarantined', (select count(*) from outcomes where action = 'quarantined'),
    'kept_quarantined', (select count(*) from outcomes where action = 'kept_quarantined'),
    'new_detections', (select count(*) from outcomes where prior_status is null),
    'conflicts', (select count(*) from events where is_conflict),
    'ambiguous', (select count(*) from events where is_ambiguous),
    'claimed_by_other_person', (select count(*) from events where is_claimed),
    'lead_rows_missing', (select count(*) from events where is_lead_missing),
    'weak_only', (select count(*) from events where is_weak and not is_strong),
    'links_lost_to_concurrent_writers', (select lost from links)
) as stats
