-- grant_orphans_reviewer_privileges: what the review actions, their undo and the API's reads
-- need: read the queue and its sources; relink and create-lead insert a lead link (and a
-- migrations lead with its event); purge deletes a driver link; undo removes what an action
-- created or restores what it deleted; each moves the quarantine row, whose trigger appends
-- the history.
-- Returns nothing.
do $$
begin
    grant usage on schema canon, observational, public, orphans, ops to orphans_reviewer;
    grant select on
        canon.identity_registry,
        observational.lead_events,
        public.drivers,
        public.module_ct_cabinet_leads,
        public.module_ct_scouting_daily,
        public.module_ct_migrations,
        public.summary_daily,
        public.orphans_pipeline_alembic_version,
        canon.driver_orphan_quarantine,
        canon.driver_orphan_quarantine_history,
        orphans.runs,
        -- the lead-link rule: the queue's reads and the guard's check on a restored driver link
        orphans.lead_links
    to orphans_reviewer;
    grant select, insert, delete on canon.identity_links to orphans_reviewer;
    grant insert, delete on public.module_ct_migrations, observational.lead_events
        to orphans_reviewer;
    grant update on canon.driver_orphan_quarantine to orphans_reviewer;
    -- The quarantine table's trigger writes the history (migration 0006): no direct insert.
    revoke insert, update, delete, truncate on canon.driver_orphan_quarantine_history
        from orphans_reviewer;
    execute format(
        'revoke usage, update on sequence %s from orphans_reviewer',
        pg_get_serial_sequence('canon.driver_orphan_quarantine_history', 'id')
    );
    -- Sequences by the catalog's own names: CT4's may differ from the demo schema's.
    execute (
        select string_agg(
            format('grant usage on sequence %s to orphans_reviewer', sequence_name), '; '
        )
        from (
            values
                (pg_get_serial_sequence('canon.identity_links', 'id')),
                (pg_get_serial_sequence('public.module_ct_migrations', 'id')),
                (pg_get_serial_sequence('observational.lead_events', 'id'))
        ) as sequences (sequence_name)
    );
    grant execute on all functions in schema orphans to orphans_reviewer;
    grant select on all tables in schema ops to orphans_reviewer;
end
$$
