-- disable_driver_link_guard_trigger: an owner's act, for the demo data and test fixtures only
-- (legacy orphans are what they need): the prevention guard's trigger is disabled inside the
-- current transaction, which enable_driver_link_guard_trigger ends before it commits; the table
-- stays locked meanwhile, so no other session writes a link unguarded. The guard's mode
-- (orphans.driver_link_guard) is the one switch operators use. Returns nothing.
alter table canon.identity_links disable trigger identity_links_driver_requires_lead
