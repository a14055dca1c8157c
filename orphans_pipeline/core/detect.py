"""Step 1: detect the candidates (orphans not purged, plus quarantined rows to re-evaluate)."""

from sqlalchemy import Engine

from orphans_pipeline.core import sql


def detect_orphans(engine: Engine, run_id: str, limit: int | None) -> dict[str, int]:
    """Stage the run's candidates; return candidates, new_orphans and re_evaluated counts."""
    with engine.begin() as conn:
        sql.run(conn, "pipeline/detect_orphans", run_id=run_id, row_limit=limit)
        counts = sql.run(conn, "pipeline/count_run_candidates", run_id=run_id).mappings().one()
    with engine.begin() as conn:
        sql.run(conn, "pipeline/analyze_run_candidates")
    return {key: int(value) for key, value in counts.items()}
