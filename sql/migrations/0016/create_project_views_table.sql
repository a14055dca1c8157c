-- create_project_views_table: orphans.project_views, the project's views (revision 0012 and
-- earlier) with the md5 of the definition the project gave each, as its own file creates it
-- (orphans.view_definition_md5). A view whose definition has changed since no longer matches:
-- the leak check reads it again. A revision that replaces one of these views records it again.
-- Returns nothing.
create table if not exists orphans.project_views (
    view_name text primary key,
    definition_md5 text,
    recorded_at timestamptz not null default now()
)
