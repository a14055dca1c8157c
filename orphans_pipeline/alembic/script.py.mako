"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
"""

from alembic import op

from orphans_pipeline.core.schema import run_files

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None

# Only files of this revision's own folder, sql/migrations/${up_revision}/, in the order they run;
# never edited once landed (pin them with `make freeze-migrations`).
FILES: tuple[str, ...] = ()


def upgrade() -> None:
    run_files(op.get_bind(), FILES)


def downgrade() -> None:
    raise NotImplementedError("forward-only")
