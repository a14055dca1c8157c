"""The ops views, created once here; the pipeline runs no DDL (the ops_views asset only
refreshes the claims list), so a change of a view is a new revision with its own copy.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

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
    run_files(op.get_bind(), FILES)


def downgrade() -> None:
    raise NotImplementedError("0003 is forward-only")
