-- insert_lead_links: create execute :run_id's planned lead links, under the pipeline lock
-- (orphans.insert_lead_links, revision 0013: its ownership rule checked again as it writes).
-- Returns one row: created.
select orphans.insert_lead_links(:run_id) as created
