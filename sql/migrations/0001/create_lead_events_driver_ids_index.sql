-- create_lead_events_driver_ids_index: finds the events that name a driver id (L1).
-- Returns nothing.
create index if not exists lead_events_payload_driver_ids_idx
    on observational.lead_events using gin (orphans.payload_driver_ids(payload_json))
