-- create_view_definition_md5_function: orphans.view_definition_md5(view_name), the md5 of a
-- view's definition as pg_get_viewdef prints it under the search path pg_catalog, pg_temp
-- (every name schema-qualified, whatever the caller's search path), followed by the name and
-- kind of each relation its rule reads: the printed text names a relation the same whether it
-- is a view, a materialized view or a table, and a view the project's proof rests on replaced
-- by a table or a materialized view (stale rows) must change the md5 of the views that read it.
-- Null when no view of that name exists (a materialized view is not a view here). Returns one
-- text value.
create or replace function orphans.view_definition_md5(p_view_name text)
returns text
language sql
stable
set search_path = pg_catalog, pg_temp
begin atomic
    select md5(
        pg_catalog.pg_get_viewdef(view_relation.oid)
        || coalesce(
            (
                select string_agg(
                    distinct dependency.used_oid::regclass::text
                    || ':' || dependency.used_kind::text,
                    ','
                    order by dependency.used_oid::regclass::text
                    || ':' || dependency.used_kind::text
                )
                from orphans.view_dependencies as dependency
                where dependency.view_oid = view_relation.oid
            ),
            ''
        )
    )
    from pg_catalog.pg_class as view_relation
    where view_relation.oid = to_regclass(p_view_name)
        and view_relation.relkind = 'v';
end
