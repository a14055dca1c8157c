-- create_quarantine_update_history_trigger: every change of status or reason of a quarantine
-- row gets its history row in the statement that makes it (an INSERT ... ON CONFLICT DO UPDATE
-- included). Returns nothing.
create or replace trigger driver_orphan_quarantine_update_history
    after update on canon.driver_orphan_quarantine
    referencing old table as old_rows new table as new_rows
    for each statement execute function orphans.record_quarantine_history()
