-- select_driver_history: every transition of driver :driver_id, oldest first. Returns rows.
select
    history.id,
    history.changed_at,
    history.from_status::text as from_status,
    history.to_status::text as to_status,
    history.from_reason::text as from_reason,
    history.to_reason::text as to_reason,
    history.actor,
    history.run_id,
    history.notes,
    history.evidence
from canon.driver_orphan_quarantine_history as history
where history.driver_id = :driver_id
order by history.id
