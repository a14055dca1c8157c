-- create_run_candidates_table: work table, the candidates a run detected (one row per driver).
-- Unlogged: it is rebuilt by the run that needs it, so it need not survive a crash.
-- Returns nothing.
create unlogged table if not exists orphans.run_candidates (
    run_id text not null,
    driver_id varchar not null,
    driver_key text not null,
    person_key uuid,
    driver_link_id int,
    creation_rule varchar,
    driver_link_evidence jsonb,
    primary key (run_id, driver_id)
)
