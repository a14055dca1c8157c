-- drop_orphans_schema: the project's own schema and all it holds (functions, work tables, run
-- registry, the guard's mode and recorded links, orphans.ct4_views, its relations). Only once
-- nothing outside it depends on it any more: an object of CT4's built on one of the project's
-- (a view, an index, a trigger) stops the downgrade with its name, rather than be dropped in
-- cascade. Returns nothing.
do $$
declare
    v_dependents text;
begin
    with project as (
        select 'pg_catalog.pg_proc'::regclass as classid, procedure.oid
        from pg_catalog.pg_proc as procedure
        where procedure.pronamespace = 'orphans'::regnamespace
        union all
        select 'pg_catalog.pg_class'::regclass, relation.oid
        from pg_catalog.pg_class as relation
        where relation.relnamespace = 'orphans'::regnamespace
        union all
        select 'pg_catalog.pg_type'::regclass, type_.oid
        from pg_catalog.pg_type as type_
        where type_.typnamespace = 'orphans'::regnamespace
    )

    select string_agg(distinct pg_describe_object(dependent.classid, dependent.objid, 0), ', ')
    into v_dependents
    from pg_catalog.pg_depend as dependent
    inner join project
        on project.classid = dependent.refclassid
        and project.oid = dependent.refobjid
    where dependent.deptype = 'n'
        and not exists (
            select 1
            from project as inside
            where inside.classid = dependent.classid
                and inside.oid = dependent.objid
        )
        -- A rule, constraint, default or trigger of a relation of the project's is the
        -- project's own.
        and coalesce(
            (
                select relation.relnamespace
                from pg_catalog.pg_class as relation
                where relation.oid = case dependent.classid
                    when 'pg_catalog.pg_rewrite'::regclass then (
                        select rule_.ev_class from pg_catalog.pg_rewrite as rule_
                        where rule_.oid = dependent.objid
                    )
                    when 'pg_catalog.pg_constraint'::regclass then (
                        select constraint_.conrelid from pg_catalog.pg_constraint as constraint_
                        where constraint_.oid = dependent.objid
                    )
                    when 'pg_catalog.pg_attrdef'::regclass then (
                        select default_.adrelid from pg_catalog.pg_attrdef as default_
                        where default_.oid = dependent.objid
                    )
                    when 'pg_catalog.pg_trigger'::regclass then (
                        select trigger_.tgrelid from pg_catalog.pg_trigger as trigger_
                        where trigger_.oid = dependent.objid
                    )
                end
            ),
            0
        ) <> 'orphans'::regnamespace;
    if v_dependents is not null then
        raise exception 'db downgrade stopped: % depend on the project''s schema orphans',
            v_dependents
            using hint = 'They are not the project''s: drop or change them first.';
    end if;
    drop schema orphans cascade;
end
$$
