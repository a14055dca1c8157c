"""Bounded memory at any size, and a claims list the weekly run no longer recomputes.

ops.v_driver_origin looks each driver's first lead link up by index instead of hashing every
lead link (a build side of NULL keys that exhausted memory at 1M drivers); the claims list for
collection becomes a view of the same name and columns that filters the computed claims
(ops.mv_cabinet_claims_computed, created empty, refreshed by its own daily asset) through the
operational drivers at read time.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

from orphans_pipeline.core import ct4_objects
from orphans_pipeline.core.schema import run_files

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Kept in their own folder, run by this revision only, never edited.
FILES = (
    "migrations/0007/create_driver_origin_view",
    "migrations/0007/drop_cabinet_claims_collection_matview",
    "migrations/0007/create_cabinet_claims_computed_matview",
    "migrations/0007/create_cabinet_claims_computed_index",
    "migrations/0007/create_cabinet_claims_collection_view",
)


def upgrade() -> None:
    # Replaces 0003's views: only where 0003 created them (else 0012 creates the project's).
    conn = op.get_bind()
    if ct4_objects.legacy_views_created(conn):
        run_files(conn, FILES)


def downgrade() -> None:
    raise NotImplementedError("0007 is forward-only")
