-- count_ct4_rows: rows per CT4 table and per table the project owns. Returns one row.
select
    (select count(*) from canon.identity_registry) as identity_registry,
    (select count(*) from canon.identity_links) as identity_links,
    (select count(*) from observational.lead_events) as lead_events,
    (select count(*) from public.drivers) as drivers,
    (select count(*) from public.module_ct_cabinet_leads) as module_ct_cabinet_leads,
    (select count(*) from public.module_ct_scouting_daily) as module_ct_scouting_daily,
    (select count(*) from public.module_ct_migrations) as module_ct_migrations,
    (select count(*) from public.summary_daily) as summary_daily,
    (select count(*) from canon.driver_orphan_quarantine) as driver_orphan_quarantine,
    (select count(*) from canon.driver_orphan_quarantine_history)
        as driver_orphan_quarantine_history
