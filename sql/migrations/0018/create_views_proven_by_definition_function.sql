-- create_views_proven_by_definition_function: orphans.views_proven_by_definition(), the views
-- of orphans.leak_check_views() the leak check need not read, proven by their definition:
-- - CT4's views the project gave the operational filter (orphans.ct4_views, `filtered`) whose
--   definition is still exactly that filter's (revision 0015);
-- - CT4's kept views whose definition is still the one CT4 ships, the proof recorded for it
--   (orphans.ct4_views.proof, this revision) holding on the data: `passes_through`, none to
--   check (its drivers are those of the views it reads); `excludes_quarantined`, no purged
--   driver with a driver link; `drivers_of_cabinet_leads`, no quarantined or purged driver with
--   a driver link whose person has a cabinet lead link. CT4's funnel and claims views cost 20 s
--   and more to read at 1,000,000 drivers; these questions, indexed lookups on the excluded
--   drivers, well under a second. The leak check proves such a view only once the views it
--   reads are settled without a leak (orphans.leak_check_views' `reads`);
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
    select ct4_view.view_name
    from orphans.ct4_views as ct4_view
    where ct4_view.handling = 'kept'
        and ct4_view.proof_definition_md5 = orphans.view_definition_md5(ct4_view.view_name)
        and case ct4_view.proof
            when 'passes_through' then true
            when 'excludes_quarantined' then not exists (
                select 1
                from canon.driver_orphan_quarantine as excluded
                inner join canon.identity_links as driver_link
                    on driver_link.source_table = 'drivers'
                    and driver_link.source_pk = excluded.driver_id
                where excluded.status = 'purged'
            )
            when 'drivers_of_cabinet_leads' then not exists (
                select 1
                from canon.driver_orphan_quarantine as excluded
                inner join canon.identity_links as driver_link
                    on driver_link.source_table = 'drivers'
                    and driver_link.source_pk = excluded.driver_id
                inner join canon.identity_links as lead_link
                    on lead_link.person_key = driver_link.person_key
                    and lead_link.source_table = 'module_ct_cabinet_leads'
                where excluded.status in ('quarantined', 'purged')
            )
            else false
        end
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
