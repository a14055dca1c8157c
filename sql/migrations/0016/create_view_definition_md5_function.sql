-- create_view_definition_md5_function: orphans.view_definition_md5(view_name), the md5 of a
-- view's definition as pg_get_viewdef prints it under the search path pg_catalog, pg_temp
-- (every name schema-qualified, whatever the caller's search path), or null when no such view
-- exists. Recording and proof compare the same text. Returns one text value.
create or replace function orphans.view_definition_md5(p_view_name text)
returns text
language sql
stable
set search_path = pg_catalog, pg_temp
begin atomic
    select md5(pg_catalog.pg_get_viewdef(to_regclass(p_view_name)))
    where to_regclass(p_view_name) is not null;
end
