-- create_view_closure_md5_function: orphans.view_closure_md5(view_name), the md5 of a view's
-- definition and of the definition of every view it reads, directly or not
-- (orphans.view_definition_md5 of each, in name order): what a view costs to read changes with
-- any of them. Plain views only: what a materialized view holds is data, like a table's.
-- Null when no view of that name exists. Returns one text value.
create or replace function orphans.view_closure_md5(p_view_name text)
returns text
language sql
stable
set search_path = pg_catalog, pg_temp
begin atomic
    with recursive closure as (
        select to_regclass(p_view_name)::oid as view_oid
        union
        select dependency.used_oid
        from closure
        inner join orphans.view_dependencies as dependency
            on dependency.view_oid = closure.view_oid
        where dependency.used_kind = 'v'
    )

    select md5(
        string_agg(
            closure.view_oid::regclass::text || '='
            || coalesce(orphans.view_definition_md5(closure.view_oid::regclass::text), ''),
            ',' order by closure.view_oid::regclass::text
        )
    )
    from closure
    where orphans.view_definition_md5(p_view_name) is not null;
end
