-- create_run_events_table: work table, every lead event related to a run's candidate, with its
-- level, match strategy and (once judged) why it is or is not usable. Returns nothing.
create unlogged table if not exists orphans.run_events (
    run_id text not null,
    driver_id varchar not null,
    person_key uuid,
    event_id int not null,
    source_table varchar not null,
    source_pk varchar not null,
    event_date date not null,
    level text not null check (level in ('L1', 'L2', 'L3')),
    match_strategy text not null,
    is_ambiguous boolean not null default false,
    is_claimed_by_other boolean not null default false,
    why text,
    primary key (run_id, driver_id, event_id)
)
