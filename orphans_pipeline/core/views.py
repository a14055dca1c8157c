"""Step 5: the ops views. Every ops view reads drivers only through ops.v_operational_drivers,
which leaves out quarantined and purged drivers."""

from sqlalchemy import Engine

from orphans_pipeline.core import sql


def refresh_ops_views(engine: Engine) -> dict[str, int]:
    """Refresh the claims list for collection and return the views' row counts.

    No DDL at run time: the migrations create the views, so the pipeline's role needs no
    more than MAINTAIN on the one materialized view.
    """
    with engine.begin() as conn:
        sql.run(conn, "views/refresh_cabinet_claims_collection")
    with engine.connect() as conn:
        counts = sql.run(conn, "views/count_ops_views").mappings().one()
    return {key: int(value) for key, value in counts.items()}
