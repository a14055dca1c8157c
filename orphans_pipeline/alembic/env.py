"""Alembic environment: always online, on the connection the caller passes in."""

from alembic import context

from orphans_pipeline.core.schema import VERSION_TABLE

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `orphans-pipeline db upgrade`")

context.configure(
    connection=connection, version_table=VERSION_TABLE, transaction_per_migration=True
)
with context.begin_transaction():
    context.run_migrations()
