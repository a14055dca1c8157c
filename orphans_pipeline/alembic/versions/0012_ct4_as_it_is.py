"""CT4 as it really is (`../shared/spec/ct4/ct4_real_schema.sql`): its views, types, indexes,
quarantine rows and ingestion.

- CT4's own views in ops and observational are recorded (orphans.ct4_views) and never created,
  replaced or dropped; the two that list quarantined drivers get CT4's definition with the
  operational filter added (their original kept for `db downgrade`).
- The project's views are created here where revision 0003 could not run (timestamp lead dates,
  CT4's names taken), with every date-like column read as a date; where 0003 ran, they are
  replaced in place (same columns). The project reads its own relations
  (orphans.v_cabinet_funnel_status, orphans.v_driver_orphans), and the computed claims move to
  the project's schema, so that everything in ops excludes quarantined drivers.
- Scouting rows' second key (orphans.scouting_source_key) and one ownership lookup under both
  keys (orphans.lead_row_links).
- The guard's mode (enforce / record / off) in a row only an owner changes, record by default on
  a CT4 the project did not create, and the links it records.
- Every quarantine row without history is adopted (its original evidence kept).
- The leak check over every view with a driver_id (orphans.count_view_leaks).

Revision ID: 0012
Revises: 0011
"""

from alembic import op

from orphans_pipeline.core import ct4_objects
from orphans_pipeline.core.schema import run_files

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

FILES = (
    "migrations/0012/create_ct4_views_table",
    "migrations/0012/record_ct4_views",
    "migrations/0012/create_parse_date_file_function",
    "migrations/0012/create_scouting_source_key_function",
    "migrations/0012/create_lead_row_links_function",
    "migrations/0012/create_operational_drivers_view",
    "migrations/0012/create_driver_origin_view",
    "migrations/0012/create_driver_trips_view",
    "migrations/0012/create_project_funnel_status_view",
    "migrations/0012/create_cabinet_funnel_status_view",
    "migrations/0012/create_cabinet_milestones_view",
    "migrations/0012/create_payment_calculation_view",
    "migrations/0012/create_cabinet_claims_view",
    "migrations/0012/move_cabinet_claims_computed_matview",
    "migrations/0012/create_cabinet_claims_computed_matview",
    "migrations/0012/create_cabinet_claims_computed_index",
    "migrations/0012/create_cabinet_claims_collection_view",
    "migrations/0012/create_eligible_drivers_view",
    "migrations/0012/create_project_driver_orphans_view",
    "migrations/0012/create_driver_orphans_view",
    "migrations/0012/filter_ct4_driver_views",
    "migrations/0012/drop_duplicate_indexes",
    "migrations/0012/create_driver_link_guard_table",
    "migrations/0012/insert_driver_link_guard_mode",
    "migrations/0012/create_recorded_driver_links_table",
    "migrations/0012/create_recorded_driver_links_time_index",
    "migrations/0012/create_refuse_driver_link_without_lead_function",
    "migrations/0012/adopt_quarantine_rows",
    "migrations/0012/create_leak_check_views_function",
    "migrations/0012/create_count_view_leaks_function",
)

# The views of these files bear names CT4 itself uses: created only where CT4 has none.
UNLESS_CT4_HAS = {
    "migrations/0012/create_cabinet_funnel_status_view": "ops.v_cabinet_funnel_status",
    "migrations/0012/create_payment_calculation_view": "ops.v_payment_calculation",
    "migrations/0012/create_driver_orphans_view": "ops.v_driver_orphans",
}


def upgrade() -> None:
    conn = op.get_bind()
    for name in FILES:
        view = UNLESS_CT4_HAS.get(name)
        if view is not None and ct4_objects.is_ct4_view(conn, view):
            continue
        run_files(conn, (name,))


def downgrade() -> None:
    # `orphans-pipeline db downgrade` takes the project out of CT4 as a whole (it restores the
    # two filtered CT4 views first); one revision alone cannot be undone.
    raise NotImplementedError("0012 is undone only by `orphans-pipeline db downgrade`")
