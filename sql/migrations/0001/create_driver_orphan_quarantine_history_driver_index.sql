-- create_driver_orphan_quarantine_history_driver_index: a driver's story is read in order.
-- Returns nothing.
create index if not exists driver_orphan_quarantine_history_driver_idx
    on canon.driver_orphan_quarantine_history (driver_id, id)
