"""The ops views, created once here; the pipeline runs no DDL (the ops_views asset only
refreshes the claims list), so a change of a view is a new revision with its own copy.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from orphans_pipeline.core import ct4_objects
from orphans_pipeline.core.schema import run_files

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

FILES = (
    "migrations/0003/create_parse_date_file_function",
    "migrations/0003/create_operational_drivers_view",
    "migrations/0003/create_driver_origin_view",
    "migrations/0003/create_driver_trips_view",
    "migrations/0003/create_cabinet_funnel_status_view",
    "migrations/0003/create_cabinet_milestones_view",
    "migrations/0003/create_payment_calculation_view",
    "migrations/0003/create_cabinet_claims_view",
    "migrations/0003/create_cabinet_claims_collection_matview",
    "migrations/0003/create_cabinet_claims_collection_index",
    "migrations/0003/create_eligible_drivers_view",
    "migrations/0003/create_driver_orphans_view",
)


def upgrade() -> None:
    # These views add days to `date` lead columns and take names CT4 itself uses: on CT4 as it
    # really is (`timestamp` lead dates, its own ops.v_driver_orphans, ...) they cannot run and
    # must not, so revision 0012 creates the project's views there instead. Everywhere 0003 ran
    # before, they applied: it runs the same files as when it landed.
    conn = op.get_bind()
    if ct4_objects.legacy_views_apply(conn):
        run_files(conn, FILES)


def downgrade() -> None:
    raise NotImplementedError("0003 is forward-only")
