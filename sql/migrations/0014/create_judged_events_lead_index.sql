-- create_judged_events_lead_index: the quarantined rows that read a changed lead row, named as
-- the event names it. Returns nothing.
create index if not exists judged_events_lead_idx
    on orphans.judged_events (source_table, source_pk)
