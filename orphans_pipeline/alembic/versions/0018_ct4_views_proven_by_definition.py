"""The leak check proves three of CT4's kept views by their definition (issue 22, point 5).

- orphans.ct4_views records, for CT4's ops.v_cabinet_funnel_status,
  ops.v_cabinet_claims_expected_14d and ops.v_cabinet_claims_gap_14d, how each is proven and the
  md5 of the definition CT4 ships (its text in this revision's files, built on this database as
  a temporary view and printed as orphans.view_definition_md5 prints).
- orphans.views_proven_by_definition() names such a view while its definition is still CT4's and
  its proof holds on the data (no excluded driver it could show): at 1,000,000 drivers CT4's
  funnel was cut by its 20 s budget in every first execute and each claims view cost 5-6 s; the
  proofs' questions cost well under a second. A view CT4 changes is read again.

Revision ID: 0018
Revises: 0017
"""

from alembic import op

from orphans_pipeline.core.schema import run_files

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

FILES = (
    "migrations/0018/add_ct4_views_proof_columns",
    "migrations/0018/create_record_ct4_view_proof_function",
    "migrations/0018/record_cabinet_funnel_status_proof",
    "migrations/0018/record_cabinet_claims_expected_14d_proof",
    "migrations/0018/record_cabinet_claims_gap_14d_proof",
    "migrations/0018/drop_record_ct4_view_proof_function",
    "migrations/0018/create_views_proven_by_definition_function",
)


def upgrade() -> None:
    run_files(op.get_bind(), FILES)


def downgrade() -> None:
    raise NotImplementedError("0018 is undone only by `orphans-pipeline db downgrade`")
