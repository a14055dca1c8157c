-- enable_driver_link_guard_trigger: the prevention guard's trigger enabled again, in the
-- transaction that disabled it (disable_driver_link_guard_trigger), before it commits.
-- Returns nothing.
alter table canon.identity_links enable trigger identity_links_driver_requires_lead
