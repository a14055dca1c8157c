"""Step 5: the ops views. Every ops view reads drivers only through ops.v_operational_drivers,
which leaves out quarantined and purged drivers."""

from sqlalchemy import Engine

from orphans_pipeline.core import sql

# Created by migration 0003 (an owner's job): the pipeline itself runs no DDL.
VIEW_FILES = (
    "views/create_operational_drivers_view",
    "views/create_driver_origin_view",
    "views/create_driver_trips_view",
    "views/create_cabinet_funnel_status_view",
    "views/create_cabinet_milestones_view",
    "views/create_payment_calculation_view",
    "views/create_cabinet_claims_view",
    "views/create_cabinet_claims_collection_matview",
    "views/create_cabinet_claims_collection_index",
    "views/create_eligible_drivers_view",
    "views/create_driver_orphans_view",
)


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
