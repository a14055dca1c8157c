-- create_identity_links_table: source row -> person links (canon.identity_links), if absent.
-- A source row belongs to at most one person. Returns nothing.
create table if not exists canon.identity_links (
    id serial primary key,
    person_key uuid not null references canon.identity_registry (person_key),
    source_table varchar not null,
    source_pk varchar not null,
    snapshot_date timestamptz not null,
    match_rule varchar not null,
    match_score int not null,
    confidence_level confidencelevel not null,
    evidence jsonb,
    linked_at timestamptz not null default now(),
    run_id int,
    unique (source_table, source_pk)
)
