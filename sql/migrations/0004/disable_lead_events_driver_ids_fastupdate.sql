-- disable_lead_events_driver_ids_fastupdate: write new events straight into the GIN index of
-- payload driver ids. With fastupdate on, recent inserts wait in an unsorted pending list that
-- every lookup scans: 1.3 ms per lookup after a bulk load, minutes for a run. Returns nothing.
alter index observational.lead_events_payload_driver_ids_idx set (fastupdate = off)
