-- disable_driver_link_guard_locally: switch the prevention guard off for the current
-- transaction only (demo data and test fixtures that must contain legacy orphans).
-- Returns one row.
select set_config('orphans.driver_link_guard', 'off', true)
