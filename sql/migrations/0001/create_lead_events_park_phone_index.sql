-- create_lead_events_park_phone_index: finds cabinet events by normalised park_phone (L2).
-- Returns nothing.
create index if not exists lead_events_park_phone_key_idx
    on observational.lead_events (orphans.normalize_phone(payload_json ->> 'park_phone'))
    where source_table = 'module_ct_cabinet_leads'
