"""Step 4: outcomes. Judge every candidate on the final state and (execute only) write the
quarantine rows and the append-only history."""

from typing import Any

from sqlalchemy import Connection, Engine

from orphans_pipeline.core import sql
from orphans_pipeline.core.locking import lock_orphans_pipeline


def plan_orphan_outcomes(conn: Connection, run_id: str) -> int:
    return int(sql.run(conn, "pipeline/plan_orphan_outcomes", run_id=run_id).scalar_one())


def upsert_driver_orphan_quarantine(conn: Connection, run_id: str) -> int:
    """Write the run's outcomes; the table's trigger appends their history in the same statement.

    Only a row still in the state the run judged it in is written (a reviewer's decision taken
    since is kept). The database function binds the actor (`pipeline`, this registered run)
    and refuses unless the caller holds the pipeline lock.
    """
    return int(
        sql.run(conn, "pipeline/upsert_driver_orphan_quarantine", run_id=run_id).scalar_one()
    )


def record_judgement(conn: Connection, run_id: str) -> int:
    """Keep what the execute judged its quarantined rows with; without a limit, move the
    judgement watermark to its detection's snapshot and prune the change log (the database
    function decides, under the lock, in the run's transaction). Returns the events kept."""
    return int(sql.run(conn, "pipeline/record_judgement", run_id=run_id).scalar_one())


def adopt_quarantine_rows(engine: Engine, run_id: str, *, lock_wait_seconds: float) -> int:
    """An execute adopts, in its own transaction under the pipeline lock, every quarantine row
    that appeared without a history (domain.md): one history row each, with the row's evidence
    as found. Returns how many it adopted."""
    with engine.begin() as conn:
        lock_orphans_pipeline(conn, lock_wait_seconds)
        return int(sql.run(conn, "pipeline/adopt_quarantine_rows", run_id=run_id).scalar_one())


def count_run_history(conn: Connection, run_id: str) -> int:
    """The history rows the run appended (written by the trigger, never by this code)."""
    return int(sql.run(conn, "pipeline/count_run_history", run_id=run_id).scalar_one())


def outcome_preview(engine: Engine, run_id: str, max_rows: int = 20) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = sql.run(
            conn, "pipeline/select_outcome_preview", run_id=run_id, max_rows=max_rows
        ).mappings()
        return [dict(row) for row in rows]
