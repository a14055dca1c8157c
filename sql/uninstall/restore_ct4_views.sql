-- restore_ct4_views: CT4's views that revision 0012 gave the operational filter get back the
-- definition CT4 had (kept in orphans.ct4_views when the filter was added): same object, same
-- columns, CT4's own rows again. Returns nothing.
do $$
declare
    v_view record;
begin
    for v_view in
        select ct4_view.view_name, ct4_view.original_definition
        from orphans.ct4_views as ct4_view
        where ct4_view.handling = 'filtered'
            and to_regclass(ct4_view.view_name) is not null
        order by ct4_view.view_name
    loop
        execute format(
            'create or replace view %s as %s', v_view.view_name, v_view.original_definition
        );
    end loop;
end
$$
