-- create_history_row_rewrite_trigger: UPDATE and DELETE of history rows are refused.
-- Returns nothing.
create or replace trigger driver_orphan_quarantine_history_append_only
    before update or delete on canon.driver_orphan_quarantine_history
    for each row execute function orphans.refuse_history_rewrite()
