-- create_orphans_schema: this project's own schema (run registry, per-run work tables,
-- normalisation functions). Returns nothing.
create schema if not exists orphans
