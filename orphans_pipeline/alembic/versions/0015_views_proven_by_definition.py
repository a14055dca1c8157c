"""The leak check proves a filtered view by its definition (issue 22: CT4's real views).

- orphans.ct4_views records the md5 of the definition each of CT4's views got with the
  operational filter (revision 0012), when it is still exactly that.
- orphans.views_proven_by_definition() names the views proven by that definition: the leak check
  does not read them (CT4's observational.v_conversion_metrics costs more than linear time to
  read: it was cut by its time budget at 1,000,000 drivers in every execute, and every view
  built on it went unread with it). A view CT4 changes since is read again.

Revision ID: 0015
Revises: 0014
"""

from alembic import op

from orphans_pipeline.core.schema import run_files

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

FILES = (
    "migrations/0015/add_ct4_views_filtered_definition_column",
    "migrations/0015/record_filtered_view_definitions",
    "migrations/0015/create_views_proven_by_definition_function",
    "migrations/0015/revoke_function_execute_from_public",
)


def upgrade() -> None:
    run_files(op.get_bind(), FILES)


def downgrade() -> None:
    raise NotImplementedError("0015 is undone only by `orphans-pipeline db downgrade`")
