"""Step 1: detect the candidates (orphans not purged, plus quarantined rows to re-evaluate: all
of them in a full sweep, else those whose judgement reads something that changed)."""

from sqlalchemy import Engine

from orphans_pipeline.core import sql


def detect_orphans(
    engine: Engine, run_id: str, limit: int | None, *, full: bool = False
) -> dict[str, int]:
    """Stage the run's candidates; return candidates, new_orphans, re_evaluated and full_sweep
    (1 when every row still quarantined was staged: asked for, or decided by the database)."""
    with engine.begin() as conn:
        sql.run(conn, "pipeline/detect_orphans", run_id=run_id, row_limit=limit, full=full)
        counts = sql.run(conn, "pipeline/count_run_candidates", run_id=run_id).mappings().one()
    with engine.begin() as conn:
        sql.run(conn, "pipeline/analyze_run_candidates")
    return {key: int(value) for key, value in counts.items()}
