-- create_lead_events_person_key_index: finds events by person (L3). Returns nothing.
create index if not exists lead_events_person_key_idx
    on observational.lead_events (person_key)
