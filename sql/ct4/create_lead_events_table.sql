-- create_lead_events_table: observed lead events (observational.lead_events), if absent.
-- Returns nothing.
create table if not exists observational.lead_events (
    id serial primary key,
    source_table varchar not null,
    source_pk varchar not null,
    event_date date not null,
    person_key uuid references canon.identity_registry (person_key),
    scout_id int,
    payload_json jsonb,
    created_at timestamptz not null default now(),
    unique (source_table, source_pk)
)
