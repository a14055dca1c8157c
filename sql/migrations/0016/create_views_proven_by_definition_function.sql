-- create_views_proven_by_definition_function: orphans.views_proven_by_definition(), the views
-- of orphans.leak_check_views() the leak check need not read, proven by their definition:
-- - CT4's views the project gave the operational filter (orphans.ct4_views, `filtered`) whose
--   definition is still exactly that filter's (revision 0015);
-- - the project's own views (orphans.project_views) whose definition is still the one the
--   project created, and so is that of every view each reads, directly or not: each takes its
--   drivers from ops.v_operational_drivers (a join, or an exists on it), so it shows no driver
--   that relation does not. ops.v_operational_drivers itself is never listed: the check reads
--   it (well under a second at 1,000,000 drivers), and that read proves the rest. The
--   project's milestones, claims and eligible drivers cost 11-16 s each to read at 1,000,000.
-- A view changed since, or built on one changed since, is not listed, and is read.
-- SECURITY DEFINER, search path pinned. Returns setof view_name.
create or replace function orphans.views_proven_by_definition()
returns table (view_name text)
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
begin atomic
    with recursive unchanged as (
        select project_view.view_name, to_regclass(project_view.view_name)::oid as view_oid
        from orphans.project_views as project_view
        where project_view.definition_md5 = orphans.view_definition_md5(project_view.view_name)
    ),

    -- The views each unchanged view's rule reads, then the views those read in turn.
    uses as (
        select dependency.view_oid, dependency.used_oid
        from orphans.view_dependencies as dependency
        where dependency.used_kind = 'v'
    ),

    reads as (
        select uses.view_oid, uses.used_oid
        from uses
        inner join unchanged
            on unchanged.view_oid = uses.view_oid
        union
        select reads.view_oid, uses.used_oid
        from reads
        inner join uses
            on uses.view_oid = reads.used_oid
    )

    select ct4_view.view_name
    from orphans.ct4_views as ct4_view
    where ct4_view.handling = 'filtered'
        and to_regclass(ct4_view.view_name) is not null
        and ct4_view.filtered_definition_md5
            = md5(pg_catalog.pg_get_viewdef(to_regclass(ct4_view.view_name)))
    union all
    select unchanged.view_name
    from unchanged
    where unchanged.view_name <> 'ops.v_operational_drivers'
        and unchanged.view_name not like 'orphans.%'
        and not exists (
            select 1
            from reads
            where reads.view_oid = unchanged.view_oid
                and not exists (
                    select 1
                    from unchanged as used
                    where used.view_oid = reads.used_oid
                )
        )
    order by 1;
end
