"""CT4 as it really is: a database built from `../shared/spec/ct4/ct4_real_schema.sql`, the
schema CT4's own Alembic migrations create (its README says how it was recorded), with CT4's
own alembic_version row; with or without CT4's six orphans-subsystem views.

The file is a fact about CT4, read where CI has it (beside the checkout, as `shared/`), or where
`ORPHANS_CT4_REAL_SCHEMA` says.
"""

import os
from pathlib import Path

import psycopg
from psycopg import sql as psql

# The six views CT4's deploy steps apply (the schema's header): "a database without them" drops
# them after restoring, the dependent ones first.
CT4_VIEWS = (
    "ops.v_cabinet_milestones_achieved_from_payment_calc",
    "ops.v_cabinet_funnel_status",
    "ops.v_driver_orphans",
    "ops.v_payment_calculation",
    "ops.v_cabinet_milestones_achieved_from_trips",
    "observational.v_conversion_metrics",
)
CT4_ALEMBIC_REVISION = "018_claims_cabinet_14d"


def real_schema_path() -> Path:
    override = os.environ.get("ORPHANS_CT4_REAL_SCHEMA")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "shared/spec/ct4/ct4_real_schema.sql"


def real_schema_sql() -> str:
    """The dump without its psql-only `\\restrict` lines (psycopg runs the rest as it is)."""
    text = real_schema_path().read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.startswith("\\"))


def load_real_ct4(url: str, *, views: bool = True) -> None:
    """Build CT4 as its migrations do on the empty database at `url` (a libpq URL), as
    `../shared/spec/ct4/README.md` says: the schema, then CT4's alembic_version row."""
    # A connection of its own: the dump empties the session's search_path.
    with psycopg.connect(url) as conn:
        conn.execute(real_schema_sql())  # type: ignore[arg-type]
        conn.execute(
            "insert into public.alembic_version (version_num) values (%s)",
            (CT4_ALEMBIC_REVISION,),
        )
        if not views:
            for view in CT4_VIEWS:
                conn.execute(psql.SQL("drop view {}").format(psql.Identifier(*view.split("."))))
