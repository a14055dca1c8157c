-- The quarantine objects exactly as CT4's own migration 014 creates them (its four reasons,
-- no `no_lead_has_events`), with one row, so the tests can check the project adopts them.
create type orphan_detected_reason as enum (
    'no_lead_no_events', 'no_lead_has_events_repair_failed',
    'legacy_driver_without_origin', 'manual_detection'
);
create type orphan_status as enum (
    'quarantined', 'resolved_relinked', 'resolved_created_lead', 'purged'
);
create table canon.driver_orphan_quarantine (
    driver_id varchar primary key,
    person_key uuid references canon.identity_registry (person_key) on delete set null,
    detected_at timestamptz not null default now(),
    detected_reason orphan_detected_reason not null,
    creation_rule varchar,
    evidence_json jsonb,
    status orphan_status not null default 'quarantined',
    resolved_at timestamptz,
    resolution_notes text
);
insert into canon.driver_orphan_quarantine (driver_id, detected_reason, creation_rule)
values ('CT4-LEGACY-1', 'manual_detection', 'LEGACY');
