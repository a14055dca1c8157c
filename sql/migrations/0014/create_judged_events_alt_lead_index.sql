-- create_judged_events_alt_lead_index: the quarantined rows that read a scouting row whose
-- link under its second key (orphans.scouting_source_key) changed. Returns nothing.
create index if not exists judged_events_alt_lead_idx
    on orphans.judged_events (source_table, alt_source_pk)
    where alt_source_pk is not null
