-- create_lead_events_license_index: finds events by normalised payload license (L2).
-- Returns nothing.
create index if not exists lead_events_license_key_idx
    on observational.lead_events (orphans.normalize_license(payload_json ->> 'driver_license'))
