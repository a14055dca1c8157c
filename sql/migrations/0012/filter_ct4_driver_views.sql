-- filter_ct4_driver_views: CT4's two views that list quarantined drivers (domain.md "CT4's own
-- views stay CT4's": ops.v_cabinet_milestones_achieved_from_trips lists drivers from
-- summary_daily, observational.v_conversion_metrics from the links) become CT4's own definition
-- with the operational filter added: the same object, the same columns in the same order, the
-- rows of every driver that is quarantined or purged left out (a driver CT4 lists without a
-- quarantine row, e.g. one known from trips only, stays as CT4 shows it). CT4's definition is
-- read from the database as it is (so a CT4 that changed it keeps its change) and kept in
-- orphans.ct4_views for `db downgrade`. Only a view recorded as CT4's and still `kept` is
-- touched, so this runs once per view. Returns nothing.
do $$
declare
    v_view record;
    v_search_path text := current_setting('search_path');
    v_definition text;
begin
    -- With an empty search path pg_get_viewdef qualifies every name it prints.
    perform set_config('search_path', '', true);
    for v_view in
        select ct4_view.view_name
        from orphans.ct4_views as ct4_view
        where ct4_view.view_name in (
            'ops.v_cabinet_milestones_achieved_from_trips', 'observational.v_conversion_metrics'
        )
            and ct4_view.handling = 'kept'
            and to_regclass(ct4_view.view_name) is not null
        order by ct4_view.view_name
    loop
        v_definition := rtrim(pg_get_viewdef(v_view.view_name::regclass), E'; \n');
        update orphans.ct4_views
        set handling = 'filtered', original_definition = v_definition
        where view_name = v_view.view_name;
        execute format(
            'create or replace view %s as select ct4_view.* from (%s) as ct4_view '
            'where not exists (select 1 from canon.driver_orphan_quarantine as quarantine '
            'where quarantine.driver_id = ct4_view.driver_id::text '
            'and quarantine.status in (''quarantined'', ''purged''))',
            v_view.view_name,
            v_definition
        );
    end loop;
    perform set_config('search_path', v_search_path, true);
end
$$
