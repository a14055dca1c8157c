-- select_outcome_preview: up to :max_rows outcomes of run :run_id for the Dagster UI, the
-- quarantined first. Returns rows.
select
    outcome.driver_id,
    outcome.person_key::text as person_key,
    outcome.status,
    outcome.detected_reason,
    outcome.action,
    outcome.evidence_level,
    outcome.lead_events_count,
    outcome.links_created
from orphans.run_outcomes as outcome
where outcome.run_id = :run_id
order by outcome.status = 'quarantined' desc, outcome.driver_id
limit :max_rows
