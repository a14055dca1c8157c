"""One SQL object for each rule the statements shared: the lead links and the cabinet source_pk.

"The person has a lead link" becomes the view orphans.lead_links (the links of the three lead
tables) and the cabinet lead's source_pk (external_id, else id) the expression function
orphans.cabinet_source_pk; both inline into the queries that use them, so no plan changes
(bench/results/plans-0010.md). The objects of earlier revisions that spelled the rules out are
replaced in place, same names, signatures and columns (so their grants stay):
orphans.lead_row_exists (0001), the guard's orphans.refuse_driver_link_without_lead (0002) and
ops.v_driver_origin (0007). The new view needs the roles' grants (sql/grants), which
`orphans-pipeline db upgrade` gives again where `db grant` created the roles.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

from orphans_pipeline.core import ct4_objects
from orphans_pipeline.core.schema import run_files

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Kept in their own folder, run by this revision only, never edited.
FILES = (
    "migrations/0010/create_lead_links_view",
    "migrations/0010/create_cabinet_source_pk_function",
    "migrations/0010/create_lead_row_exists_function",
    "migrations/0010/create_refuse_driver_link_without_lead_function",
    "migrations/0010/create_driver_origin_view",
)


# Replaces 0003's view: only where 0003 created it (else 0012 creates the project's views).
REPLACES_LEGACY_VIEW = "migrations/0010/create_driver_origin_view"


def upgrade() -> None:
    conn = op.get_bind()
    legacy = ct4_objects.legacy_views_created(conn)
    run_files(conn, tuple(name for name in FILES if legacy or name != REPLACES_LEGACY_VIEW))


def downgrade() -> None:
    raise NotImplementedError("0010 is forward-only")
