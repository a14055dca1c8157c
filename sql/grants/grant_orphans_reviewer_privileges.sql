-- grant_orphans_reviewer_privileges: exactly what the review CLI, the API and the review page
-- need, each object by name (never a whole CT4 schema). First everything the role held on CT4's
-- schemas and the project's is taken back (earlier versions granted writes and whole schemas),
-- then: it reads the queue, its sources, the runs and the figures; it writes nothing itself,
-- only through orphans.review_decisions, which checks every decision under the pipeline lock
-- and binds the reviewer as the actor (never a name reserved for the pipeline). Every privilege
-- it ends with is listed in README "Least privilege". Returns nothing.
do $$
declare
    v_relation text;
begin
    revoke all on all tables in schema canon, observational, public, ops, orphans
        from orphans_reviewer;
    revoke all on all sequences in schema canon, observational, public, ops, orphans
        from orphans_reviewer;
    revoke all on all functions in schema orphans from orphans_reviewer;
    revoke all on schema canon, observational, public, ops, orphans from orphans_reviewer;

    grant usage on schema canon, observational, public, ops, orphans to orphans_reviewer;
    grant select on
        canon.identity_registry,
        canon.identity_links,
        canon.driver_orphan_quarantine,
        canon.driver_orphan_quarantine_history,
        observational.lead_events,
        public.drivers,
        public.module_ct_cabinet_leads,
        public.module_ct_scouting_daily,
        public.module_ct_migrations,
        public.summary_daily,
        public.orphans_pipeline_alembic_version,
        orphans.runs,
        orphans.lead_links,
        orphans.v_driver_orphans,
        orphans.mv_cabinet_claims_computed
    to orphans_reviewer;
    for v_relation in
        select ours.name
        from unnest(array['ops.v_operational_drivers', 'ops.v_driver_orphans']) as ours (name)
        where to_regclass(ours.name) is not null
            and not exists (
                select 1 from orphans.ct4_views as ct4_view where ct4_view.view_name = ours.name
            )
    loop
        execute format('grant select on %s to orphans_reviewer', v_relation);
    end loop;
    grant execute on function
        orphans.review_decisions(jsonb, text, boolean),
        orphans.leak_check_views(),
        orphans.views_proven_by_definition(),
        orphans.count_view_leaks(text),
        orphans.remembered_leak_check_cuts(numeric, integer)
    to orphans_reviewer;
end
$$
