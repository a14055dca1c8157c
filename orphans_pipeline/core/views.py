"""Step 5: the ops views. Every ops view reads drivers only through ops.v_operational_drivers,
which leaves out quarantined and purged drivers at read time.

The claims list for collection (ops.mv_cabinet_claims_collection) filters the computed claims
(orphans.mv_cabinet_claims_computed, trips-driven) through the operational drivers when it is read,
so a run's exclusions hold the moment it commits without recomputing anything; the computed
claims are refreshed by their own asset on their own schedule (defs/claims.py).
"""

import time

from sqlalchemy import Engine

from orphans_pipeline.core import sql


def cabinet_claims_computed_populated(engine: Engine) -> bool | None:
    """Whether the computed claims hold data (revisions 0007 and 0012 create them empty);
    None before them."""
    with engine.connect() as conn:
        populated = sql.run(conn, "views/select_cabinet_claims_computed_populated").scalar_one()
    return None if populated is None else bool(populated)


def refresh_cabinet_claims_computed(engine: Engine) -> bool:
    """Recompute the claims from the trips: concurrently once populated (readers never wait),
    a plain first fill otherwise. Returns True if this was the first fill."""
    first_fill = not cabinet_claims_computed_populated(engine)
    # REFRESH ... CONCURRENTLY refuses a transaction block: autocommit, one statement.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if first_fill:
            sql.run(conn, "views/populate_cabinet_claims_computed")
        else:
            sql.run(conn, "views/refresh_cabinet_claims_computed")
    return first_fill


def populate_cabinet_claims_computed(engine: Engine) -> float | None:
    """Fill the computed claims if they are still empty; the seconds it took, or None when
    there was nothing to do (already filled, or the schema predates them)."""
    if cabinet_claims_computed_populated(engine) is not False:
        return None
    started = time.monotonic()
    with engine.begin() as conn:
        sql.run(conn, "views/populate_cabinet_claims_computed")
    return time.monotonic() - started


def count_ops_views(engine: Engine) -> dict[str, int]:
    """The claims list's figures now (the computed claims less the excluded drivers) and the
    orphans view's rows. Reads no trips, no drivers, refreshes nothing: its cost follows the
    claims list and the quarantine table, not the drivers."""
    with engine.connect() as conn:
        counts = sql.run(conn, "views/count_cabinet_claims_collection").mappings().one()
    return {key: int(value) for key, value in counts.items()}


def refresh_ops_views(engine: Engine) -> dict[str, int]:
    """Recompute the claims from the trips, then count them and the operational drivers:
    what the daily claims asset does."""
    refresh_cabinet_claims_computed(engine)
    with engine.connect() as conn:
        operational = sql.run(conn, "views/count_operational_drivers").scalar_one()
    return {"operational_drivers": int(operational), **count_ops_views(engine)}
