-- select_ct4_view: whether :view_name (schema-qualified) is a view CT4 had before the project
-- (orphans.ct4_views, revision 0012): the project then never creates or replaces it. Returns
-- one row: is_ct4 (boolean).
select exists (
    select 1
    from orphans.ct4_views as ct4_view
    where ct4_view.view_name = :view_name
) as is_ct4
