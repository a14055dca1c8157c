"""An index of the history by run, for the alert on newly quarantined drivers.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

from orphans_pipeline.core.schema import run_files

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

FILES = ("migrations/0005/create_driver_orphan_quarantine_history_run_index",)


def upgrade() -> None:
    run_files(op.get_bind(), FILES)


def downgrade() -> None:
    raise NotImplementedError("0005 is forward-only")
