-- create_views_proven_by_definition_function: orphans.views_proven_by_definition(), the views
-- of orphans.leak_check_views() the leak check need not read: CT4's views the project gave the
-- operational filter (orphans.ct4_views, `filtered`) whose definition is still exactly that
-- filter's (the md5 recorded by this revision, of pg_get_viewdef printed under this function's
-- search path). Such a view leaves out every quarantined or purged driver by construction; CT4's
-- observational.v_conversion_metrics costs more than linear time to read. A view CT4 has
-- changed is not listed, and is read. SECURITY DEFINER, search path pinned.
-- Returns setof view_name.
create or replace function orphans.views_proven_by_definition()
returns table (view_name text)
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    select ct4_view.view_name
    from orphans.ct4_views as ct4_view
    where ct4_view.handling = 'filtered'
        and to_regclass(ct4_view.view_name) is not null
        and ct4_view.filtered_definition_md5
            = md5(pg_catalog.pg_get_viewdef(to_regclass(ct4_view.view_name)))
    order by ct4_view.view_name;
end
