"""The GIN index of payload driver ids without a pending list (fastupdate off), so L1 lookups
stay fast however many events were just ingested.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from orphans_pipeline.core.schema import run_files

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FILES = (
    "migrations/0004/disable_lead_events_driver_ids_fastupdate",
    "migrations/0004/clean_lead_events_driver_ids_pending_list",
)


def upgrade() -> None:
    run_files(op.get_bind(), FILES)


def downgrade() -> None:
    raise NotImplementedError("0004 is forward-only")
