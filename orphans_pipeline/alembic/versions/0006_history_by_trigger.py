"""The audit trail enforced by the database: a trigger on canon.driver_orphan_quarantine writes
the history row of every change of status or reason in the statement that makes it, and the
least-privilege roles lose direct INSERT on the history. Also orphans.csv_safe_cell, for the
reports' CSV.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

from orphans_pipeline.core.schema import run_files

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# This revision's own files, never edited afterwards (see the migration convention).
FILES = (
    "migrations/0006/create_record_quarantine_history_function",
    "migrations/0006/create_quarantine_insert_history_trigger",
    "migrations/0006/create_quarantine_update_history_trigger",
    "migrations/0006/revoke_history_insert_from_roles",
    "migrations/0006/create_csv_safe_cell_function",
)


def upgrade() -> None:
    run_files(op.get_bind(), FILES)


def downgrade() -> None:
    raise NotImplementedError("0006 is forward-only")
