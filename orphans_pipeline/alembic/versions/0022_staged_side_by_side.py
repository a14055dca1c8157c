"""A run stages its relations side by side, and a lost link is looked up by index (issue 22).

- orphans.classify_orphans(run_id, part, parts) and orphans.flag_ambiguous_events(run_id, part,
  parts) do revision 0019's and 0021's work for one share of the run (the candidates whose
  driver_id hashes to the part, the events whose id does): a candidate's relations and an
  event's flags depend on nothing the other shares stage, so the shares run in sessions side by
  side on one snapshot (`classify.classify_orphans`) and stage what one statement staged. The
  functions of a whole run go (part 0 of 1 is a whole run); `orphans.require_run_part` refuses
  a share that is none.
- orphans.mark_lost_lead_links(run_id) looks up each planned link's lead row by index: the links
  just written are in no statistics, and the planner read every reconstructed link once for each
  planned one (31-72 s at 1,000,000 drivers).
- orphans.record_judgement(run_id) keeps a second key only for a scouting row that exists (every
  other judged event had the key of a row of nulls). The judged events kept so far are written
  again by the first run on this revision: a new rules revision makes it a full sweep.

Revision ID: 0022
Revises: 0021
"""

from alembic import op

from orphans_pipeline.core.schema import run_files

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

FILES = (
    "migrations/0022/create_require_run_part_function",
    "migrations/0022/create_classify_orphans_function",
    "migrations/0022/create_flag_ambiguous_events_function",
    "migrations/0022/drop_whole_run_functions",
    "migrations/0022/create_mark_lost_lead_links_function",
    "migrations/0022/create_record_judgement_function",
    "migrations/0022/revoke_function_execute_from_public",
)


def upgrade() -> None:
    run_files(op.get_bind(), FILES)


def downgrade() -> None:
    raise NotImplementedError("0022 is undone only by `orphans-pipeline db downgrade`")
