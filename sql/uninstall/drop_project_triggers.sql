-- drop_project_triggers: the triggers the project put on CT4's tables and on the history: the
-- prevention guard on canon.identity_links, the history triggers of
-- canon.driver_orphan_quarantine, the append-only triggers of its history (the table stays,
-- with every row: the audit record outlives the project). Returns nothing.
do $$
begin
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
