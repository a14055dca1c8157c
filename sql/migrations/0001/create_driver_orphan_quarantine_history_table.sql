-- create_driver_orphan_quarantine_history_table: every status or reason change of a quarantine
-- row, append-only (see refuse_history_rewrite). Returns nothing.
create table if not exists canon.driver_orphan_quarantine_history (
    id bigserial primary key,
    driver_id varchar not null,
    from_status orphan_status,
    to_status orphan_status,
    from_reason orphan_detected_reason,
    to_reason orphan_detected_reason,
    actor varchar not null,
    run_id text,
    changed_at timestamptz not null default now(),
    notes text,
    evidence jsonb
)
