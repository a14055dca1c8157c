"""Figures for the Dagster catalog that no step of the flow computes on its way."""

from sqlalchemy import Engine

from orphans_pipeline.core import sql


def count_identity_links(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(sql.run(conn, "catalog/count_identity_links").scalar_one())
