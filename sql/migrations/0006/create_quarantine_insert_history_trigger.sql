-- create_quarantine_insert_history_trigger: every new quarantine row gets its first history
-- row (from NULL) in the statement that inserts it. Returns nothing.
create or replace trigger driver_orphan_quarantine_insert_history
    after insert on canon.driver_orphan_quarantine
    referencing new table as new_rows
    for each statement execute function orphans.record_quarantine_history()
