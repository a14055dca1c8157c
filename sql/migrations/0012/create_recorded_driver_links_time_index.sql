-- create_recorded_driver_links_time_index: the check reads the links recorded since a time.
-- Returns nothing.
create index if not exists recorded_driver_links_recorded_at_idx
    on orphans.recorded_driver_links (recorded_at)
