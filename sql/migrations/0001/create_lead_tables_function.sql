-- create_lead_tables_function: the unqualified names of the three lead tables, the one list
-- every rule uses ("only events of the three lead tables count, at every level").
-- Returns text[]. Immutable, so the planner folds it to a constant.
create or replace function orphans.lead_tables() returns text[]
language sql immutable parallel safe as $$
    select array['module_ct_cabinet_leads', 'module_ct_scouting_daily', 'module_ct_migrations']
$$
