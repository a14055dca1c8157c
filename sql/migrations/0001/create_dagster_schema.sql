-- create_dagster_schema: where Dagster keeps its instance storage when only DATABASE_URL is set
-- (the storage URL then puts this schema first on its search_path). Returns nothing.
create schema if not exists dagster
