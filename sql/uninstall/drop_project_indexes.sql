-- drop_project_indexes: the indexes the project added on CT4's tables (revisions 0001 and
-- 0009), those on its normalisation functions included. The indexes of the history table stay
-- with it. Returns nothing.
drop index if exists
    canon.identity_links_person_key_source_table_idx,
    canon.identity_links_driver_key_idx,
    canon.driver_orphan_quarantine_status_idx,
    canon.driver_orphan_quarantine_driver_id_prefix_idx,
    observational.lead_events_person_key_idx,
    observational.lead_events_payload_driver_ids_idx,
    observational.lead_events_license_key_idx,
    observational.lead_events_driver_phone_key_idx,
    observational.lead_events_park_phone_key_idx,
    public.drivers_license_key_idx,
    public.drivers_phone_key_idx,
    public.module_ct_cabinet_leads_source_pk_idx,
    public.summary_daily_driver_id_idx
