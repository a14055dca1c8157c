-- create_driver_orphan_quarantine_status_index: candidates re-read the quarantined rows every
-- run, and the metrics group by status. Returns nothing.
create index if not exists driver_orphan_quarantine_status_idx
    on canon.driver_orphan_quarantine (status)
