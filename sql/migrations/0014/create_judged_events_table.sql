-- create_judged_events_table: for every row still quarantined, the lead events its last
-- judgement read, with the lead row each names under every key (a scouting row's second key as
-- it was then): a change of one of those events or lead rows, or of their links, re-judges the
-- row. Written by orphans.record_judgement only. Returns nothing.
create table if not exists orphans.judged_events (
    driver_id text not null,
    event_id bigint not null,
    source_table text not null,
    source_pk text not null,
    alt_source_pk text,
    primary key (driver_id, event_id)
)
