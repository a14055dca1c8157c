-- grant_orphans_pipeline_privileges: exactly what a run needs, each object by name (never a
-- whole CT4 schema: on a real CT4, ops also holds its alerts, ingestion runs and payment rules).
-- First everything the role held on CT4's schemas and the project's is taken back (earlier
-- versions granted writes and whole schemas), then: it reads the CT4 sources, the quarantine,
-- its history and the project's relations; it writes nothing itself, only through the
-- project's functions, which check their rules (a registered execute, the pipeline lock) and
-- bind the actor `pipeline`; it refreshes the computed claims and analyzes the work tables.
-- Every privilege it ends with is listed in README "Least privilege". Returns nothing.
do $$
declare
    v_relation text;
begin
    revoke all on all tables in schema canon, observational, public, ops, orphans
        from orphans_pipeline;
    revoke all on all sequences in schema canon, observational, public, ops, orphans
        from orphans_pipeline;
    revoke all on all functions in schema orphans from orphans_pipeline;
    revoke all on schema canon, observational, public, ops, orphans from orphans_pipeline;

    grant usage on schema canon, observational, public, ops, orphans to orphans_pipeline;
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
        orphans.run_candidates,
        orphans.run_events,
        orphans.run_links,
        orphans.run_outcomes,
        orphans.lead_links,
        orphans.ct4_views,
        orphans.driver_link_guard,
        orphans.recorded_driver_links,
        orphans.v_driver_orphans,
        orphans.v_cabinet_funnel_status,
        orphans.mv_cabinet_claims_computed
    to orphans_pipeline;
    -- The project's ops views, where they are the project's (CT4's own are not its business).
    for v_relation in
        select ours.name
        from unnest(array[
            'ops.v_operational_drivers', 'ops.v_driver_origin', 'ops.v_driver_trips',
            'ops.v_cabinet_funnel_status', 'ops.v_cabinet_milestones',
            'ops.v_payment_calculation', 'ops.v_cabinet_claims',
            'ops.mv_cabinet_claims_collection', 'ops.v_eligible_drivers', 'ops.v_driver_orphans'
        ]) as ours (name)
        where to_regclass(ours.name) is not null
            and not exists (
                select 1 from orphans.ct4_views as ct4_view where ct4_view.view_name = ours.name
            )
    loop
        execute format('grant select on %s to orphans_pipeline', v_relation);
    end loop;
    grant execute on function
        orphans.register_run(text, text, integer, text),
        orphans.close_interrupted_runs(text),
        orphans.record_run_results(text, jsonb, text, text),
        orphans.finish_run(text, text, jsonb, text, text, text),
        orphans.delete_run_plan(text),
        orphans.delete_run_work(text),
        orphans.detect_orphans(text, integer, boolean),
        orphans.classify_orphans(text, integer, integer),
        orphans.flag_ambiguous_events(text, integer, integer),
        orphans.judge_lead_events(text),
        orphans.plan_lead_links(text),
        orphans.insert_lead_links(text),
        orphans.mark_lost_lead_links(text),
        orphans.plan_orphan_outcomes(text),
        orphans.upsert_driver_orphan_quarantine(text),
        orphans.adopt_quarantine_rows(text),
        orphans.record_judgement(text),
        orphans.mark_applying_run(text),
        orphans.request_full_sweep(text),
        orphans.leak_check_views(),
        orphans.views_proven_by_definition(),
        orphans.count_view_leaks(text),
        orphans.remembered_leak_check_cuts(numeric, integer),
        orphans.record_leak_check_cuts(text[], text[], numeric)
    to orphans_pipeline;
    if current_setting('server_version_num')::int >= 170000 then
        -- MAINTAIN: ANALYZE of the work tables and REFRESH of the computed claims, not owning.
        grant maintain on
            orphans.run_candidates,
            orphans.run_events,
            orphans.run_links,
            orphans.run_outcomes,
            orphans.mv_cabinet_claims_computed
        to orphans_pipeline;
    else
        -- Before PostgreSQL 17 only the owner may refresh a materialized view.
        alter materialized view orphans.mv_cabinet_claims_computed owner to orphans_pipeline;
    end if;
end
$$
