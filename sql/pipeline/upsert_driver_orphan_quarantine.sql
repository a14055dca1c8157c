-- upsert_driver_orphan_quarantine: write run :run_id's outcomes to canon.driver_orphan_quarantine.
-- A new driver gets its row (detected_at = now); an existing row keeps detected_at and takes the
-- new status, reason, creation_rule, person and evidence. resolved_at and resolution_notes are
-- set when the status changes. A row whose content would not change is not touched, so a
-- second run writes nothing. An existing row is written only while its status is still the
-- one the run judged it from (prior_status): a reviewer's decision taken since is kept. The
-- table's trigger appends the history of every change of status or reason (actor and run id
-- from set_history_context). Returns nothing; the row count is the number of rows written.
insert into canon.driver_orphan_quarantine as quarantine (
    driver_id,
    person_key,
    detected_reason,
    creation_rule,
    evidence_json,
    status,
    resolved_at,
    resolution_notes
)
select
    outcome.driver_id,
    outcome.person_key,
    outcome.detected_reason::orphan_detected_reason,
    outcome.creation_rule,
    outcome.evidence_json,
    outcome.status::orphan_status,
    case when outcome.status <> 'quarantined' then now() end,
    outcome.resolution_notes
from orphans.run_outcomes as outcome
where outcome.run_id = :run_id
order by outcome.driver_id
on conflict (driver_id) do update
set
    person_key = excluded.person_key,
    detected_reason = excluded.detected_reason,
    creation_rule = excluded.creation_rule,
    evidence_json = excluded.evidence_json,
    status = excluded.status,
    resolved_at = case
        when excluded.status = quarantine.status then quarantine.resolved_at
        else excluded.resolved_at
    end,
    resolution_notes = case
        when excluded.status = quarantine.status then quarantine.resolution_notes
        else excluded.resolution_notes
    end
where quarantine.status::text is not distinct from (
    select planned.prior_status
    from orphans.run_outcomes as planned
    where planned.run_id = :run_id
        and planned.driver_id = excluded.driver_id
)
and (
    quarantine.person_key,
    quarantine.detected_reason,
    quarantine.creation_rule,
    quarantine.evidence_json,
    quarantine.status
) is distinct from (
    excluded.person_key,
    excluded.detected_reason,
    excluded.creation_rule,
    excluded.evidence_json,
    excluded.status
)
