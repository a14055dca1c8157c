-- record_filtered_view_definitions: for each of CT4's views the project gave the operational
-- filter (orphans.ct4_views, handling `filtered`), record the md5 of its definition, but only
-- when that definition is still exactly the one the filter produces from CT4's own (built
-- again from original_definition as a temporary view and printed the same way): a view CT4
-- has changed since gets no md5, so the leak check keeps reading it. Returns nothing.
do $$
declare
    v_view record;
    v_search_path text := current_setting('search_path');
    v_expected text;
    v_actual text;
begin
    -- The search path every later comparison prints definitions under (leak_check_views).
    perform set_config('search_path', 'pg_catalog, pg_temp', true);
    for v_view in
        select ct4_view.view_name, ct4_view.original_definition
        from orphans.ct4_views as ct4_view
        where ct4_view.handling = 'filtered'
            and ct4_view.original_definition is not null
            and to_regclass(ct4_view.view_name) is not null
        order by ct4_view.view_name
    loop
        -- The same statement as 0012's filter_ct4_driver_views, on a temporary view.
        execute format(
            'create temporary view orphans_expected_filtered_view as '
            'select ct4_view.* from (%s) as ct4_view '
            'where not exists (select 1 from canon.driver_orphan_quarantine as quarantine '
            'where quarantine.driver_id = ct4_view.driver_id::text '
            'and quarantine.status in (''quarantined'', ''purged''))',
            v_view.original_definition
        );
        v_expected := pg_get_viewdef('pg_temp.orphans_expected_filtered_view'::regclass);
        drop view pg_temp.orphans_expected_filtered_view;
        v_actual := pg_get_viewdef(v_view.view_name::regclass);
        update orphans.ct4_views
        set filtered_definition_md5 = case when v_actual = v_expected then md5(v_actual) end
        where view_name = v_view.view_name;
    end loop;
    perform set_config('search_path', v_search_path, true);
end
$$
