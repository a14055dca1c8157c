-- mark_lost_lead_links: mark the planned links of execute :run_id that a concurrent writer took
-- first (orphans.mark_lost_lead_links, revision 0013). Returns one row: lost.
select orphans.mark_lost_lead_links(:run_id) as lost
