-- insert_project_view: record one of the project's views and the md5 of its definition (null
-- when the view as found is not the one the project's file creates: it is then always read).
-- Returns nothing.
insert into orphans.project_views (view_name, definition_md5)
values (:view_name, :definition_md5)
on conflict (view_name) do update
set definition_md5 = excluded.definition_md5, recorded_at = now()
