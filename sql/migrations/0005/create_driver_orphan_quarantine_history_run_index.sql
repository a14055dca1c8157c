-- create_driver_orphan_quarantine_history_run_index: the alerts read what one run changed.
-- Returns nothing.
create index if not exists driver_orphan_quarantine_history_run_idx
    on canon.driver_orphan_quarantine_history (run_id)
    where run_id is not null
