"""A driver's story: its quarantine row, its evidence and every transition, oldest first."""

from typing import Any

from sqlalchemy import Connection, Engine

from orphans_pipeline.core import sql
from orphans_pipeline.core.review.inputs import clean
from orphans_pipeline.core.review.refusals import ReviewNotFound
from orphans_pipeline.core.vocabulary import DECISIONS, PIPELINE_ACTOR


def history_rows(conn: Connection, driver_id: str) -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in sql.run(conn, "review/select_driver_history", driver_id=driver_id).mappings()
    ]


def review_decision(last: dict[str, Any] | None) -> str | None:
    """The reviewer's decision the history row `last` records, if it is one; else None.

    A row a run wrote (its actor, or any row carrying a run id) and an undo are no decision.
    Undo takes back only the driver's last transition, and only when it is a decision: the
    action refuses the rest, and the review page offers undo by the same test.
    """
    if last is None or last["actor"] == PIPELINE_ACTOR or last["run_id"] is not None:
        return None
    action = (last.get("evidence") or {}).get("action")
    return action if action in DECISIONS else None


def driver_history(engine: Engine, driver_id: str) -> dict[str, Any]:
    """The current quarantine row, its evidence and every transition, oldest first."""
    driver_id = clean(driver_id, "driver id")
    with engine.connect() as conn:
        current = sql.run(conn, "review/select_driver_story", driver_id=driver_id).mappings()
        row = current.first()
        transitions = history_rows(conn, driver_id)
    if row is None and not transitions:
        raise ReviewNotFound(f"driver {driver_id!r} has no quarantine row and no history")
    return {
        "driver_id": driver_id,
        "current": dict(row) if row else None,
        "transitions": transitions,
    }
