-- insert_demo_prior_history: the history of the earlier cleanup: each bucket-99 driver's first
-- detection, and the purge of the purged ones (keeping the deleted driver link's content).
-- Returns nothing.
insert into canon.driver_orphan_quarantine_history (
    driver_id, from_status, to_status, from_reason, to_reason, actor, run_id, changed_at, notes,
    evidence
)
select
    plan.driver_id,
    step.from_status::orphan_status,
    step.to_status::orphan_status,
    step.from_reason::orphan_detected_reason,
    'legacy_driver_without_origin'::orphan_detected_reason,
    step.actor,
    step.run_id,
    step.changed_at,
    step.notes,
    step.evidence
from demo_plan as plan
cross join lateral (
    values
        (1, null, 'quarantined', null, 'pipeline', 'legacy-cleanup',
            timestamptz '2026-06-01 08:00:00+00', 'quarantined: detected by the earlier cleanup',
            jsonb_build_object('source', 'earlier cleanup')),
        (2, 'quarantined', 'purged', 'legacy_driver_without_origin', 'reviewer.demo', null,
            timestamptz '2026-06-15 10:00:00+00', 'phantom driver, no origin found',
            jsonb_build_object('deleted_driver_link', jsonb_build_object(
                'person_key', plan.person_key, 'source_table', 'drivers',
                'source_pk', plan.driver_id, 'match_rule', 'LEGACY_DRIVER_IMPORT')))
) as step (n, from_status, to_status, from_reason, actor, run_id, changed_at, notes, evidence)
where plan.kind like 'prior\_%'
    and (step.n = 1 or plan.kind = 'prior_purged')
order by plan.i, step.n
