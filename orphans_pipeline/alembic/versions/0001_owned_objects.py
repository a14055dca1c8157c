"""Everything the project owns: quarantine (adopted if CT4 created it), append-only history,
run registry and work tables, normalisation functions and the indexes the pipeline needs.

Revision ID: 0001
Revises:
"""

from alembic import op

from orphans_pipeline.core import ct4_objects
from orphans_pipeline.core.schema import run_files

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

FILES = (
    "migrations/0001/create_orphans_schema",
    "migrations/0001/create_ops_schema",
    "migrations/0001/create_dagster_schema",
    "migrations/0001/create_orphan_status_type",
    "migrations/0001/create_orphan_detected_reason_type",
    "migrations/0001/add_no_lead_has_events_reason",
    "migrations/0001/create_driver_orphan_quarantine_table",
    "migrations/0001/create_driver_orphan_quarantine_status_index",
    "migrations/0001/create_driver_orphan_quarantine_history_table",
    "migrations/0001/create_driver_orphan_quarantine_history_driver_index",
    "migrations/0001/create_refuse_history_rewrite_function",
    "migrations/0001/create_history_row_rewrite_trigger",
    "migrations/0001/create_history_truncate_trigger",
    "migrations/0001/create_runs_table",
    "migrations/0001/create_run_candidates_table",
    "migrations/0001/create_run_events_table",
    "migrations/0001/create_run_links_table",
    "migrations/0001/create_run_outcomes_table",
    "migrations/0001/create_lead_tables_function",
    "migrations/0001/create_source_pk_id_function",
    "migrations/0001/create_normalize_phone_function",
    "migrations/0001/create_normalize_license_function",
    "migrations/0001/create_driver_license_key_function",
    "migrations/0001/create_payload_driver_ids_function",
    "migrations/0001/create_lead_events_driver_ids_index",
    "migrations/0001/create_lead_events_license_index",
    "migrations/0001/create_lead_events_driver_phone_index",
    "migrations/0001/create_lead_events_park_phone_index",
    "migrations/0001/create_lead_events_person_key_index",
    "migrations/0001/create_identity_links_person_key_index",
    "migrations/0001/create_identity_links_driver_key_index",
    "migrations/0001/create_lead_row_exists_function",
    "migrations/0001/create_drivers_license_key_index",
    "migrations/0001/create_drivers_phone_key_index",
    "migrations/0001/create_cabinet_leads_source_pk_index",
    "migrations/0001/create_summary_daily_driver_index",
)


# Indexes CT4 may already have (its migration 014 indexes the quarantine's status; it indexes
# lead_events.person_key): where it does, the project uses CT4's and adds no duplicate. This
# skip was added when the project met the real CT4 (revision 0012); on every database where
# 0001 ran before, no such index existed, so it ran the same files.
CT4_MAY_HAVE = {
    "migrations/0001/create_driver_orphan_quarantine_status_index": (
        "canon.driver_orphan_quarantine",
        ["status"],
        "driver_orphan_quarantine_status_idx",
    ),
    "migrations/0001/create_lead_events_person_key_index": (
        "observational.lead_events",
        ["person_key"],
        "lead_events_person_key_idx",
    ),
}


def upgrade() -> None:
    conn = op.get_bind()
    for name in FILES:
        if name in CT4_MAY_HAVE and ct4_objects.equivalent_index(conn, *CT4_MAY_HAVE[name]):
            continue
        run_files(conn, (name,))


def downgrade() -> None:
    # Dropping the quarantine or its history would destroy the audit trail: forward-only.
    raise NotImplementedError("0001 is forward-only")
