-- select_report_rows: the per-driver report of run :run_id, one row per candidate in driver_id
-- order, with the columns of domain.md's CSV report. Returns rows.
select
    outcome.driver_id,
    outcome.person_key,
    outcome.creation_rule,
    outcome.lead_events_count,
    outcome.action,
    outcome.status,
    outcome.detected_reason,
    outcome.evidence_level,
    outcome.match_strategy,
    outcome.links_created,
    outcome.error
from orphans.run_outcomes as outcome
where outcome.run_id = :run_id
order by outcome.driver_id
