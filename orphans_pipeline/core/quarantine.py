"""Step 4: outcomes. Judge every candidate on the final state and (execute only) write the
quarantine rows and the append-only history."""

from typing import Any

from sqlalchemy import Connection, Engine

from orphans_pipeline.core import sql


def plan_orphan_outcomes(conn: Connection, run_id: str) -> int:
    return sql.run(conn, "pipeline/plan_orphan_outcomes", run_id=run_id).rowcount


def upsert_driver_orphan_quarantine(conn: Connection, run_id: str) -> int:
    return sql.run(conn, "pipeline/upsert_driver_orphan_quarantine", run_id=run_id).rowcount


def insert_quarantine_history(conn: Connection, run_id: str) -> int:
    return sql.run(conn, "pipeline/insert_quarantine_history", run_id=run_id).rowcount


def outcome_preview(engine: Engine, run_id: str, max_rows: int = 20) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = sql.run(
            conn, "pipeline/select_outcome_preview", run_id=run_id, max_rows=max_rows
        ).mappings()
        return [dict(row) for row in rows]
