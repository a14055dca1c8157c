-- insert_review_history: append a reviewer's transition of driver :driver_id (run_id NULL).
-- Returns the new history row id.
insert into canon.driver_orphan_quarantine_history (
    driver_id, from_status, to_status, from_reason, to_reason, actor, run_id, notes, evidence
)
values (
    :driver_id,
    cast(:from_status as orphan_status),
    cast(:to_status as orphan_status),
    cast(:reason as orphan_detected_reason),
    cast(:reason as orphan_detected_reason),
    :actor,
    null,
    :notes,
    cast(:evidence as jsonb)
)
returning id
