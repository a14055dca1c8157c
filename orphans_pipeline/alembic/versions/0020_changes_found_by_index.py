"""An incremental run reads what changed, found from the change log by index (issue 22).

- orphans.detect_orphans(run_id, row_limit, full), in an incremental run, seeks orphans among
  the driver links of the persons and drivers the change log names, instead of reading every
  driver link against a hash of every lead link (1.1 s of every run at 1,000,000 drivers, with
  nothing changed); and finds the rows still quarantined to judge again by driver and by person
  instead of reading every one of them with its driver link (5 s after 1 % of 1,000,000 drivers
  changed, most of it one join the planner sized for hundreds of millions of rows). A full
  sweep reads as before.
- orphans.flag_ambiguous_events(run_id) takes each driver an L2 event matches to its person by
  index, driver by driver, instead of hashing every driver link (0.4 s of a first execute at
  1,000,000 drivers, 0.6 s after 1 % of them changed), and seeks the quarantine rows without a
  driver link among the drivers the events name or match instead of reading every driver link
  against the quarantine (0.3 s of every run that had quarantine rows).
- orphans.adopt_quarantine_rows(run_id) merges the quarantine's primary key with the history's
  index instead of hashing every quarantine row with its evidence to find none (0.2 s of every
  run at 1,000,000 drivers, growing with the quarantine).
- An execute's applying transaction is recorded (orphans.runs.applying_xid, by
  orphans.mark_applying_run), and the change log's triggers on the links and the quarantine
  leave its own writes out: its judgement took them out of the log again in the same
  transaction (0.9 s of a first execute at 1,000,000 drivers: 180,000 keys written, then
  deleted). A run with a limit, whose writes stay in the log, is logged as before. A deferred
  trigger on orphans.runs refuses to commit such a transaction unless the run recorded its
  judgement: no session can keep a write out of the log.
- orphans.request_full_sweep(run_id): the integrity check, finding orphans after an execute
  without a limit, logs a key of kind 'all', so the next run is a full sweep (an orphan made
  where no trigger fired is found by the next run, as before this revision, not by the
  monthly sweep).

Same candidates and flags as 0019's functions: an execute without a limit leaves no orphan
(its check proves it), and a driver link becomes one only through a change the log holds.
Same log after a run as before: what it leaves out is what the judgement deleted.

Revision ID: 0020
Revises: 0019
"""

from alembic import op

from orphans_pipeline.core.schema import run_files

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

FILES = (
    "migrations/0020/create_detect_orphans_function",
    "migrations/0020/create_flag_ambiguous_events_function",
    "migrations/0020/create_adopt_quarantine_rows_function",
    "migrations/0020/add_runs_applying_xid_column",
    "migrations/0020/create_runs_applying_xid_index",
    "migrations/0020/create_mark_applying_run_function",
    "migrations/0020/create_applying_own_writes_function",
    "migrations/0020/create_require_applying_run_judged_function",
    "migrations/0020/create_runs_applying_run_judged_trigger",
    "migrations/0020/create_log_identity_link_changes_function",
    "migrations/0020/create_log_quarantine_changes_function",
    "migrations/0020/create_request_full_sweep_function",
    "migrations/0020/revoke_function_execute_from_public",
)


def upgrade() -> None:
    run_files(op.get_bind(), FILES)


def downgrade() -> None:
    raise NotImplementedError("0020 is undone only by `orphans-pipeline db downgrade`")
