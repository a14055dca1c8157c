"""An incremental run reads what changed, found from the change log by index (issue 22).

- orphans.detect_orphans(run_id, row_limit, full), in an incremental run, seeks orphans among
  the driver links of the persons and drivers the change log names, instead of reading every
  driver link against a hash of every lead link (1.1 s of every run at 1,000,000 drivers, with
  nothing changed); and finds the rows still quarantined to judge again by driver and by person
  instead of reading every one of them with its driver link (5 s after 1 % of 1,000,000 drivers
  changed, most of it one join the planner sized for hundreds of millions of rows). A full
  sweep reads as before.

Same candidates as 0019's function: an execute without a limit leaves no orphan (its check
proves it), and a driver link becomes one only through a change the log holds.

Revision ID: 0020
Revises: 0019
"""

from alembic import op

from orphans_pipeline.core.schema import run_files

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

FILES = ("migrations/0020/create_detect_orphans_function",)


def upgrade() -> None:
    run_files(op.get_bind(), FILES)


def downgrade() -> None:
    raise NotImplementedError("0020 is undone only by `orphans-pipeline db downgrade`")
