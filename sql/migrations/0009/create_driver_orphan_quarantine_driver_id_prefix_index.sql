-- create_driver_orphan_quarantine_driver_id_prefix_index: quarantine rows by driver id with
-- varchar_pattern_ops, so the review page's search by id prefix (`like 'drv_12%'`) uses an index
-- whatever the database's collation (the primary key's index serves `like` only under "C").
-- Returns nothing.
create index if not exists driver_orphan_quarantine_driver_id_prefix_idx
    on canon.driver_orphan_quarantine (driver_id varchar_pattern_ops)
