-- insert_quarantine_history: append one history row per outcome of run :run_id whose status or
-- reason changed (from NULL for a first detection), with actor `pipeline`, the run id, the
-- action and notes, and the evidence. Returns nothing; the row count is the rows appended.
insert into canon.driver_orphan_quarantine_history (
    driver_id,
    from_status,
    to_status,
    from_reason,
    to_reason,
    actor,
    run_id,
    notes,
    evidence
)
select
    outcome.driver_id,
    outcome.prior_status::orphan_status,
    outcome.status::orphan_status,
    outcome.prior_reason::orphan_detected_reason,
    outcome.detected_reason::orphan_detected_reason,
    'pipeline',
    :run_id,
    outcome.action || coalesce(': ' || outcome.resolution_notes, ''),
    outcome.evidence_json
from orphans.run_outcomes as outcome
where outcome.run_id = :run_id
    and (outcome.prior_status, outcome.prior_reason)
        is distinct from (outcome.status, outcome.detected_reason)
order by outcome.driver_id
