-- analyze_demo_tables: fresh planner statistics after a bulk load (autovacuum would catch up
-- later, but the first run should not plan against empty-table estimates). Returns nothing.
analyze
    canon.identity_registry,
    canon.identity_links,
    observational.lead_events,
    public.drivers,
    public.module_ct_cabinet_leads,
    public.module_ct_scouting_daily,
    public.module_ct_migrations,
    public.summary_daily,
    canon.driver_orphan_quarantine
