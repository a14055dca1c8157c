-- create_judged_events_event_index: the quarantined rows that read a changed event.
-- Returns nothing.
create index if not exists judged_events_event_idx
    on orphans.judged_events (event_id)
