-- clean_lead_events_driver_ids_pending_list: merge what is already pending into the index.
-- Returns one row: the number of pending pages merged.
select gin_clean_pending_list('observational.lead_events_payload_driver_ids_idx'::regclass)
