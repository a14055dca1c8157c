-- create_run_links_table: work table, the lead links a run creates (or, in a dry run, would
-- create), one per lead row. Returns nothing.
create unlogged table if not exists orphans.run_links (
    run_id text not null,
    source_table varchar not null,
    source_pk varchar not null,
    person_key uuid not null,
    driver_id varchar not null,
    event_id int not null,
    event_date date not null,
    level text not null,
    match_strategy text not null,
    is_created boolean not null default true,
    primary key (run_id, source_table, source_pk)
)
