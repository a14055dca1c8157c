-- plan_lead_links: plan run :run_id's lead links, one per usable lead row (orphans.plan_lead_links,
-- revision 0013). Returns one row: planned.
select orphans.plan_lead_links(:run_id) as planned
