-- create_run_outcomes_table: work table, each candidate's outcome (the report rows and the
-- quarantine rows an execute writes). Returns nothing.
create unlogged table if not exists orphans.run_outcomes (
    run_id text not null,
    driver_id varchar not null,
    person_key uuid,
    creation_rule varchar,
    lead_events_count int not null,
    prior_status text,
    prior_reason text,
    status text not null,
    detected_reason text not null,
    action text not null,
    evidence_level text not null,
    match_strategy text,
    links_created int not null,
    error text,
    resolution_notes text,
    evidence_json jsonb not null,
    primary key (run_id, driver_id)
)
