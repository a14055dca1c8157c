-- add_runs_scope_columns: what each run re-judged. scope is `full` (every row still
-- quarantined) or `incremental` (only those whose inputs changed since the last execute that
-- judged everything); judged_snapshot is the snapshot detection read the change log against (a
-- pg_snapshot as text, which every client reads); rules_revision the schema revision whose
-- rules judged. Returns nothing.
alter table orphans.runs
    add column if not exists scope text check (scope in ('full', 'incremental')),
    add column if not exists judged_snapshot text,
    add column if not exists rules_revision text
