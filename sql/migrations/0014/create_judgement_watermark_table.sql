-- create_judgement_watermark_table: one row, the snapshot the last execute without a limit
-- judged at (changes not visible in it are the next run's to re-judge), the schema revision
-- whose rules judged, and the last full sweep. Absent, or at another revision than the code's,
-- the next run is a full sweep. Returns nothing.
create table if not exists orphans.judgement_watermark (
    singleton boolean primary key default true check (singleton),
    judged_snapshot pg_snapshot not null,
    rules_revision text,
    run_id text not null,
    judged_at timestamptz not null,
    full_run_id text,
    full_at timestamptz
)
