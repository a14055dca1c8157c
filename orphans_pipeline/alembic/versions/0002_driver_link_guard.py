"""Prevention: a constraint trigger, checked at commit, refusing a driver link whose person has
no lead link. Operators switch it off with the setting `orphans.driver_link_guard = off`.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from orphans_pipeline.core.schema import run_files

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

FILES = (
    "migrations/0002/create_refuse_driver_link_without_lead_function",
    "migrations/0002/create_driver_link_guard_trigger",
)


def upgrade() -> None:
    run_files(op.get_bind(), FILES)


def downgrade() -> None:
    # Switch the guard off with `orphans.driver_link_guard = off` instead of removing it.
    raise NotImplementedError("0002 is forward-only")
