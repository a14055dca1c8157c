-- create_lead_events_driver_phone_index: finds events by normalised payload driver_phone (L2).
-- Returns nothing.
create index if not exists lead_events_driver_phone_key_idx
    on observational.lead_events (orphans.normalize_phone(payload_json ->> 'driver_phone'))
