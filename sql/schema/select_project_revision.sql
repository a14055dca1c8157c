-- select_project_revision: the project's schema revision in this database, as Alembic records it
-- in its version table (the caller has checked that the table exists). Returns at most one row:
-- version_num.
select version.version_num
from orphans_pipeline_alembic_version as version
