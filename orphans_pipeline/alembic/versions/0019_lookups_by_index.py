"""Lookups by index where the planner hashed or sorted all of CT4's drivers or events (issue 22).

- orphans.flag_ambiguous_events(run_id) looks up the drivers an L2 event matches by their
  license and phone keys' indexes, event by event, instead of hashing every driver with its
  computed license key (1.0 s of every first execute at 1,000,000 drivers).
- orphans.detect_orphans(run_id, row_limit, full) reads the keys of the changed drivers by the
  drivers' primary key instead of hashing every driver twice (0.8 s of a run after 1 % of
  1,000,000 drivers changed), and no longer copies every driver link before seeking the orphans
  among them (1.8 s -> 1.3 s of every run at 1,000,000 drivers); the rows still quarantined it
  selects look their driver link up by index.

- orphans.classify_orphans(run_id) looks up, for each candidate, the events its license and
  phone keys match and each staged event's columns, by index, instead of sorting or hashing
  every (cabinet) lead event (1.0 s of classifying 586 candidates at 1,000,000 drivers).
- orphans.plan_orphan_outcomes(run_id) looks up whether each candidate's person has a lead
  link, and its registry row, by index (was: every lead link hashed, the whole registry read:
  1.3 s of 3.2 s for 97,500 candidates at 1,000,000 drivers).

Same relations, flags, candidates and outcomes as the functions they replace (0013's, 0014's,
0017's).

Revision ID: 0019
Revises: 0018
"""

from alembic import op

from orphans_pipeline.core.schema import run_files

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

FILES = (
    "migrations/0019/create_flag_ambiguous_events_function",
    "migrations/0019/create_detect_orphans_function",
    "migrations/0019/create_classify_orphans_function",
    "migrations/0019/create_plan_orphan_outcomes_function",
)


def upgrade() -> None:
    run_files(op.get_bind(), FILES)


def downgrade() -> None:
    raise NotImplementedError("0019 is undone only by `orphans-pipeline db downgrade`")
