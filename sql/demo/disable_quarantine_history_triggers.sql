-- disable_quarantine_history_triggers: for this demo transaction only (enable_... follows in
-- it), the earlier cleanup's invented past is written with its own dates and reviewers by
-- insert_demo_prior_history, not stamped now by the history triggers. Needs the table's owner,
-- as the demo loader is. Returns nothing.
alter table canon.driver_orphan_quarantine
    disable trigger driver_orphan_quarantine_insert_history,
    disable trigger driver_orphan_quarantine_update_history
