-- insert_demo_prior_quarantine: quarantine rows left by an earlier cleanup for bucket 99:
-- quarantined (repairable now, released, or still without evidence) or purged.
-- Returns nothing.
insert into canon.driver_orphan_quarantine (
    driver_id, person_key, detected_at, detected_reason, creation_rule, evidence_json, status,
    resolved_at, resolution_notes
)
select
    plan.driver_id,
    plan.person_key,
    timestamptz '2026-06-01 08:00:00+00',
    'legacy_driver_without_origin'::orphan_detected_reason,
    'LEGACY_DRIVER_IMPORT',
    jsonb_build_object('source', 'earlier cleanup'),
    (case when plan.kind = 'prior_purged' then 'purged' else 'quarantined' end)::orphan_status,
    case when plan.kind = 'prior_purged' then timestamptz '2026-06-15 10:00:00+00' end,
    case when plan.kind = 'prior_purged' then 'phantom driver, no origin found' end
from demo_plan as plan
where plan.kind like 'prior\_%'
