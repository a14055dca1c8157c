"""A run costs what changed (issue 22, point 2).

- A change log, orphans.changed_keys, filled by statement triggers (transition tables) on the
  CT4 tables the rules read and on the quarantine: the keys of what changed, deletions
  included, with the writing transaction.
- orphans.judged_events: the events each row still quarantined was judged with, and the lead
  rows they name under every key; orphans.judgement_watermark: the snapshot the last execute
  without a limit judged at, and the rules' revision.
- orphans.detect_orphans(run_id, row_limit, full): a full sweep when asked, on a first run, on a
  new revision or after a truncate; otherwise the rows still quarantined are staged only when
  something their judgement reads changed since (and with them every quarantined row of their
  persons). orphans.record_judgement(run_id) keeps the judged events, moves the watermark and
  prunes the log, in the execute's transaction.
- orphans.flag_ambiguous_events reads the persons of the drivers an event names or matches from
  the database alone, not from the staged candidates.
- orphans.runs says each run's scope.

Revision ID: 0014
Revises: 0013
"""

from alembic import op

from orphans_pipeline.core.schema import run_files

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

FILES = (
    "migrations/0014/add_runs_scope_columns",
    "migrations/0014/create_changed_keys_table",
    "migrations/0014/create_changed_keys_xid_index",
    "migrations/0014/create_judged_events_table",
    "migrations/0014/create_judged_events_event_index",
    "migrations/0014/create_judged_events_lead_index",
    "migrations/0014/create_judged_events_alt_lead_index",
    "migrations/0014/create_judgement_watermark_table",
    "migrations/0014/create_log_driver_changes_function",
    "migrations/0014/create_log_lead_event_changes_function",
    "migrations/0014/create_log_identity_link_changes_function",
    "migrations/0014/create_log_registry_changes_function",
    "migrations/0014/create_log_lead_row_changes_function",
    "migrations/0014/create_log_quarantine_changes_function",
    "migrations/0014/create_log_truncate_function",
    "migrations/0014/create_change_log_triggers",
    "migrations/0014/drop_detect_orphans_two_arguments_function",
    "migrations/0014/create_detect_orphans_function",
    "migrations/0014/create_flag_ambiguous_events_function",
    "migrations/0014/create_record_judgement_function",
    "migrations/0014/revoke_function_execute_from_public",
)


def upgrade() -> None:
    run_files(op.get_bind(), FILES)


def downgrade() -> None:
    raise NotImplementedError("0014 is undone only by `orphans-pipeline db downgrade`")
