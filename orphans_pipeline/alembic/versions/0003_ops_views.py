"""The ops views (the ops_views asset re-applies them with CREATE OR REPLACE every execute).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from orphans_pipeline.core.schema import run_files
from orphans_pipeline.core.views import VIEW_FILES

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_files(op.get_bind(), ("migrations/create_parse_date_file_function", *VIEW_FILES))


def downgrade() -> None:
    raise NotImplementedError("0003 is forward-only")
