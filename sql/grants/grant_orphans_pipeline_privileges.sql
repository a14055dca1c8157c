-- grant_orphans_pipeline_privileges: what a run needs and nothing more. It reads the CT4
-- sources, inserts lead links, writes the quarantine table (whose trigger appends the history),
-- owns its work in schema orphans, and refreshes the computed claims
-- (ops.mv_cabinet_claims_computed). No DDL: the views and tables
-- come from the migrations, run by an owner. Returns nothing.
do $$
begin
    grant usage on schema canon, observational, public, orphans, ops to orphans_pipeline;
    grant select on
        canon.identity_registry,
        canon.identity_links,
        observational.lead_events,
        public.drivers,
        public.module_ct_cabinet_leads,
        public.module_ct_scouting_daily,
        public.module_ct_migrations,
        public.summary_daily,
        -- the code checks the schema's revision before it runs
        public.orphans_pipeline_alembic_version
    to orphans_pipeline;
    grant insert on canon.identity_links to orphans_pipeline;
    -- Sequences by the catalog's own names: CT4's may differ from the demo schema's.
    execute format(
        'grant usage on sequence %s to orphans_pipeline',
        pg_get_serial_sequence('canon.identity_links', 'id')
    );
    grant select, insert, update on canon.driver_orphan_quarantine to orphans_pipeline;
    -- History is read only: the quarantine table's trigger is its one writer (migration 0006),
    -- so a forged row cannot be inserted and a change cannot go unrecorded. Revoked explicitly:
    -- earlier versions of this file granted the insert.
    grant select on canon.driver_orphan_quarantine_history to orphans_pipeline;
    revoke insert, update, delete, truncate on canon.driver_orphan_quarantine_history
        from orphans_pipeline;
    execute format(
        'revoke usage, update on sequence %s from orphans_pipeline',
        pg_get_serial_sequence('canon.driver_orphan_quarantine_history', 'id')
    );
    grant select, insert, update, delete on all tables in schema orphans to orphans_pipeline;
    -- orphans.lead_links is a simple, hence updatable, view of canon.identity_links read with
    -- its owner's rights: writing through it would bypass the grants above (read only).
    revoke insert, update, delete on orphans.lead_links from orphans_pipeline;
    grant execute on all functions in schema orphans to orphans_pipeline;
    grant select on all tables in schema ops to orphans_pipeline;
    if current_setting('server_version_num')::int >= 170000 then
        -- MAINTAIN: ANALYZE of the work tables and REFRESH of the claims list, without owning.
        grant maintain on all tables in schema orphans to orphans_pipeline;
        grant maintain on ops.mv_cabinet_claims_computed to orphans_pipeline;
    else
        -- Before PostgreSQL 17 only the owner may refresh a materialized view.
        alter materialized view ops.mv_cabinet_claims_computed owner to orphans_pipeline;
    end if;
end
$$
