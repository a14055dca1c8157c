"""Classification without a full join (issue 22, point 4: 10,000,000 drivers).

- orphans.classify_orphans(run_id) stages the same relations as revision 0013's, at the same
  best level and strategy, from one union of every match grouped by (driver, event) instead of
  a full join of the license and the phone matches: at 10,000,000 drivers the planner sized that
  join for tens of billions of rows, and hashing it cleared a hash table of millions of buckets
  for each of thousands of empty batches (447 s of a first execute, 4.7 s at 1,000,000).

Revision ID: 0017
Revises: 0016
"""

from alembic import op

from orphans_pipeline.core.schema import run_files

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

FILES = ("migrations/0017/create_classify_orphans_function",)


def upgrade() -> None:
    run_files(op.get_bind(), FILES)


def downgrade() -> None:
    raise NotImplementedError("0017 is undone only by `orphans-pipeline db downgrade`")
