-- drop_demo_public_tables: remove the CT4 tables of schema public from a demo or test
-- database, with the project's version table. Returns nothing.
drop table if exists
    public.drivers,
    public.module_ct_cabinet_leads,
    public.module_ct_scouting_daily,
    public.module_ct_migrations,
    public.summary_daily,
    public.orphans_pipeline_alembic_version
cascade
