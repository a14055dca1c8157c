-- create_ct4_views_table: orphans.ct4_views, the views CT4 had in schemas ops and observational
-- before the project: `kept` (never created, replaced or dropped by the project) or `filtered`
-- (CT4's own definition with the operational filter added, same columns; the definition as CT4
-- had it is kept here, so `orphans-pipeline db downgrade` can put it back). Returns nothing.
create table if not exists orphans.ct4_views (
    view_name text primary key,
    handling text not null default 'kept' check (handling in ('kept', 'filtered')),
    original_definition text,
    recorded_at timestamptz not null default now()
)
