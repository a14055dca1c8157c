"""The prevention guard checks with its owner's rights (SECURITY DEFINER).

A role that may write canon.identity_links but holds nothing in the schema orphans (CT4's own
ingestion) was refused with "permission denied" by the guard's lookup instead of being
guarded; now every writer gets the guard's own answer. Only the function's security and search
path change (ALTER FUNCTION), so its body and grants stay.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

from orphans_pipeline.core.schema import run_files

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Kept in their own folder, run by this revision only, never edited.
FILES = ("migrations/0011/alter_refuse_driver_link_without_lead_function",)


def upgrade() -> None:
    run_files(op.get_bind(), FILES)


def downgrade() -> None:
    raise NotImplementedError("0011 is forward-only")
