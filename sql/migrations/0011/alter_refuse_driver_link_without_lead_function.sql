-- alter_refuse_driver_link_without_lead_function: the prevention guard checks with its owner's
-- rights, so any role CT4 lets write canon.identity_links (its ingestion, a service) is guarded
-- without being granted anything in the schema orphans (the guard reads orphans.lead_links);
-- the search path is pinned, as for every SECURITY DEFINER function. The body and the grants
-- are unchanged. Returns nothing.
alter function orphans.refuse_driver_link_without_lead()
    security definer
    set search_path = pg_catalog, pg_temp
