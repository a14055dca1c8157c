"""A first execute rewrites less (issue 22).

- orphans.run_events keeps half of each page free: the two updates a run makes of its staged
  relations (their flags, then why each is or is not usable) are heap-only, their primary key
  not written again (0.9 s of a first execute at 1,000,000 drivers for the second).
- orphans.flag_ambiguous_events(run_id) leaves a relation whose flags stay as staged untouched
  (it rewrote all 82,500 strong relations of a first execute at 1,000,000 drivers to flag a few
  thousand).
- orphans.judge_lead_events(run_id) looks up whether a decided row's person has a lead link for
  that row alone, where it hashed every lead link of CT4 once some row was decided (0.25 s of a
  first execute on the demo shape at 1,000,000 drivers).
- orphans.record_judgement(run_id) writes the judged events in the order of their primary key.
- orphans.upsert_driver_orphan_quarantine(run_id) sorts the outcomes in memory (the default
  work_mem sent 62 MB of them to disk and back in a first execute at 1,000,000 drivers).

Same flags, judgements and writes as the functions they replace (0020's, 0013's, 0014's, 0013's).

Revision ID: 0021
Revises: 0020
"""

from alembic import op

from orphans_pipeline.core.schema import run_files

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

FILES = (
    "migrations/0021/set_run_events_fillfactor",
    "migrations/0021/create_flag_ambiguous_events_function",
    "migrations/0021/create_judge_lead_events_function",
    "migrations/0021/create_record_judgement_function",
    "migrations/0021/create_upsert_driver_orphan_quarantine_function",
)


def upgrade() -> None:
    run_files(op.get_bind(), FILES)


def downgrade() -> None:
    raise NotImplementedError("0021 is undone only by `orphans-pipeline db downgrade`")
