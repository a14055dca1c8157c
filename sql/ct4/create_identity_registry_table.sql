-- create_identity_registry_table: one row per person (canon.identity_registry), if absent.
-- Returns nothing.
create table if not exists canon.identity_registry (
    person_key uuid primary key,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    confidence_level confidencelevel not null,
    primary_phone varchar,
    primary_document varchar,
    primary_license varchar,
    primary_full_name varchar,
    flags jsonb
)
