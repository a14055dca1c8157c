"""Step 2: classify the candidates by the evidence in `observational.lead_events`."""

from sqlalchemy import Engine

from orphans_pipeline.core import sql


def classify_orphans(engine: Engine, run_id: str) -> dict[str, int]:
    """Stage every related event with its level and flags; return counts per level."""
    with engine.begin() as conn:
        sql.run(conn, "pipeline/classify_orphans", run_id=run_id)
    # Statistics on the staged rows first: the flagging plans are only good with them.
    with engine.begin() as conn:
        sql.run(conn, "pipeline/analyze_run_events")
    with engine.begin() as conn:
        sql.run(conn, "pipeline/flag_ambiguous_events", run_id=run_id)
        counts = sql.run(conn, "pipeline/count_run_events", run_id=run_id).mappings().one()
    return {key: int(value) for key, value in counts.items()}
