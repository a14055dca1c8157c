"""An index of the quarantine by driver id prefix, for the review page's search.

Revision ID: 0009
Revises: 0007
"""

from alembic import op

from orphans_pipeline.core.schema import run_files

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

FILES = ("migrations/0009/create_driver_orphan_quarantine_driver_id_prefix_index",)


def upgrade() -> None:
    run_files(op.get_bind(), FILES)


def downgrade() -> None:
    raise NotImplementedError("0009 is forward-only")
