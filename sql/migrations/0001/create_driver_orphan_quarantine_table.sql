-- create_driver_orphan_quarantine_table: one row per driver ever detected as an orphan, exactly
-- as CT4's migration 014 defines it; adopted if CT4 created it. Returns nothing.
create table if not exists canon.driver_orphan_quarantine (
    driver_id varchar primary key,
    person_key uuid references canon.identity_registry (person_key) on delete set null,
    detected_at timestamptz not null default now(),
    detected_reason orphan_detected_reason not null,
    creation_rule varchar,
    evidence_json jsonb,
    status orphan_status not null default 'quarantined',
    resolved_at timestamptz,
    resolution_notes text
)
