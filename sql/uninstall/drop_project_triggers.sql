-- drop_project_triggers: the triggers the project put on CT4's tables and on the history: the
-- prevention guard on canon.identity_links, the history triggers of
-- canon.driver_orphan_quarantine, the append-only triggers of its history (the table stays,
-- with every row: the audit record outlives the project), and the change log's triggers
-- (revision 0014, orphans_log_<event> on each table the rules read and on the quarantine).
-- Returns nothing.
do $$
declare
    v_relation text;
    v_event text;
begin
    foreach v_relation in array array[
        'public.drivers', 'observational.lead_events', 'canon.identity_links',
        'canon.identity_registry', 'public.module_ct_cabinet_leads',
        'public.module_ct_scouting_daily', 'public.module_ct_migrations',
        'canon.driver_orphan_quarantine'
    ] loop
        foreach v_event in array array['insert', 'update', 'delete', 'truncate'] loop
            if to_regclass(v_relation) is not null then
                execute format(
                    'drop trigger if exists %I on %s', 'orphans_log_' || v_event, v_relation
                );
            end if;
        end loop;
    end loop;
    drop trigger if exists identity_links_driver_requires_lead on canon.identity_links;
    drop trigger if exists driver_orphan_quarantine_insert_history
        on canon.driver_orphan_quarantine;
    drop trigger if exists driver_orphan_quarantine_update_history
        on canon.driver_orphan_quarantine;
    drop trigger if exists driver_orphan_quarantine_history_append_only
        on canon.driver_orphan_quarantine_history;
    drop trigger if exists driver_orphan_quarantine_history_no_truncate
        on canon.driver_orphan_quarantine_history;
end
$$
