"""One door into CT4: every write the project makes is a SECURITY DEFINER function of its own
that checks its rule and binds its actor; neither role writes a table itself.

- The run's steps (registry, staging, classification, judgement, links, outcomes, quarantine,
  adoption) become functions of the owner's, SQL-standard bodies bound at creation: each needs a
  run registered in orphans.runs (an execute for every write to CT4 or the quarantine) and the
  pipeline lock for those writes; the quarantine's actor is `pipeline` with that run id.
  Ownership of a lead row is judged under both keys of a scouting row (orphans.lead_row_links).
- Reviews are orphans.review_decisions (relink, create-lead, purge, undo; one or a bulk file),
  under the pipeline lock, all or nothing, with a reviewer that is never a reserved name. A
  preview takes its own writes back and consumes no sequence value. Undo deletes only what the
  decision created, checked row by row, reports every row it deletes, and puts back in
  quarantine the other drivers of a person it leaves without a lead link.
- The quarantine's history trigger records a change of any column.
- Execute is revoked from PUBLIC on every definer function; the roles lose every write.

Revision ID: 0013
Revises: 0012
"""

from alembic import op

from orphans_pipeline.core.schema import run_files

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

FILES = (
    "migrations/0013/create_is_reserved_actor_function",
    "migrations/0013/create_require_run_function",
    "migrations/0013/create_require_pipeline_lock_function",
    "migrations/0013/create_next_id_function",
    "migrations/0013/create_register_run_function",
    "migrations/0013/create_close_interrupted_runs_function",
    "migrations/0013/create_record_run_results_function",
    "migrations/0013/create_finish_run_function",
    "migrations/0013/create_delete_run_plan_function",
    "migrations/0013/create_delete_run_work_function",
    "migrations/0013/create_detect_orphans_function",
    "migrations/0013/create_classify_orphans_function",
    "migrations/0013/create_flag_ambiguous_events_function",
    "migrations/0013/create_judge_lead_events_function",
    "migrations/0013/create_plan_lead_links_function",
    "migrations/0013/create_insert_lead_links_function",
    "migrations/0013/create_mark_lost_lead_links_function",
    "migrations/0013/create_plan_orphan_outcomes_function",
    "migrations/0013/create_upsert_driver_orphan_quarantine_function",
    "migrations/0013/create_adopt_quarantine_rows_function",
    "migrations/0013/create_record_quarantine_history_function",
    "migrations/0013/create_move_quarantine_row_function",
    "migrations/0013/create_insert_quarantine_row_function",
    "migrations/0013/create_decide_function",
    "migrations/0013/create_review_decisions_function",
    "migrations/0013/revoke_function_execute_from_public",
    "migrations/0013/revoke_writes_from_roles",
)


def upgrade() -> None:
    run_files(op.get_bind(), FILES)


def downgrade() -> None:
    raise NotImplementedError("0013 is undone only by `orphans-pipeline db downgrade`")
