-- drop_alembic_version_table: the project's own Alembic version table (CT4's
-- public.alembic_version is never touched). Returns nothing.
drop table if exists public.orphans_pipeline_alembic_version
