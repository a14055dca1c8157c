-- create_history_truncate_trigger: TRUNCATE of the history is refused too. Returns nothing.
create or replace trigger driver_orphan_quarantine_history_no_truncate
    before truncate on canon.driver_orphan_quarantine_history
    for each statement execute function orphans.refuse_history_rewrite()
