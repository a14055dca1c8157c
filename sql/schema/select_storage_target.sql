-- select_storage_target: where Dagster's instance storage would create its tables on this
-- connection (the first schema of its search path that exists, null if none does), and what
-- that schema already holds: an alembic_version table (Dagster's storage keeps its own there),
-- Dagster's runs table; and whether the database holds CT4's schemas (canon, observational).
-- Returns one row: schema_name, has_alembic_version, has_dagster_runs, has_ct4.
select
    current_schema() as schema_name,
    to_regclass(quote_ident(current_schema()) || '.alembic_version') is not null
        as has_alembic_version,
    to_regclass(quote_ident(current_schema()) || '.runs') is not null as has_dagster_runs,
    exists (
        select 1
        from pg_catalog.pg_namespace as namespace
        where namespace.nspname in ('canon', 'observational')
    ) as has_ct4
