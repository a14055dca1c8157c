"""The run registry (`orphans.runs`): one row per run, its mode, limit, outcome and stats."""

import json
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine

from orphans_pipeline.core import sql

# One open session per running run, named 'orphans run <run_id>': if the process dies, the
# session goes with it, and the next run closes the orphaned registry row as failed.
_LIVENESS: dict[str, psycopg.Connection[Any]] = {}


def _hold_liveness(engine: Engine, run_id: str) -> None:
    _release_liveness(run_id)
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    _LIVENESS[run_id] = psycopg.connect(
        url, autocommit=True, application_name=f"orphans run {run_id}"
    )


def _release_liveness(run_id: str) -> None:
    held = _LIVENESS.pop(run_id, None)
    if held is not None:
        held.close()


def close_interrupted_runs(engine: Engine, run_id: str = "") -> list[str]:
    """Close as failed the runs marked running whose process is gone; return their ids."""
    with engine.begin() as conn:
        return list(sql.run(conn, "pipeline/close_interrupted_runs", run_id=run_id).scalars())


def register_run(
    engine: Engine, run_id: str, *, execute: bool, limit: int | None, output_dir: str | None
) -> None:
    _hold_liveness(engine, run_id)
    close_interrupted_runs(engine, run_id)
    with engine.begin() as conn:
        sql.run(
            conn,
            "pipeline/register_run",
            run_id=run_id,
            mode="execute" if execute else "dry_run",
            row_limit=limit,
            output_dir=output_dir,
        )


def finish_run(
    engine: Engine,
    run_id: str,
    *,
    succeeded: bool,
    stats: dict[str, Any] | None = None,
    report_paths: tuple[str, str] | None = None,
    error: str | None = None,
) -> None:
    json_path, csv_path = report_paths or (None, None)
    _release_liveness(run_id)
    with engine.begin() as conn:
        sql.run(
            conn,
            "pipeline/finish_run",
            run_id=run_id,
            status="succeeded" if succeeded else "failed",
            stats=json.dumps(stats) if stats is not None else None,
            report_json_path=json_path,
            report_csv_path=csv_path,
            error=error,
        )


def get_run(engine: Engine, run_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = sql.run(conn, "pipeline/select_run", run_id=run_id).mappings().first()
    return dict(row) if row else None


# The runbook's stats keys, in its order; ours follow.
RUNBOOK_KEYS = (
    "processed",
    "with_events",
    "without_events",
    "links_created",
    "links_skipped",
    "resolved_relinked",
    "quarantined",
    "errors",
)


def in_runbook_order(stats: dict[str, Any]) -> dict[str, Any]:
    """The runbook's keys first, then ours alphabetically (jsonb does not keep key order)."""
    ours = sorted(key for key in stats if key not in RUNBOOK_KEYS)
    return {key: stats[key] for key in (*RUNBOOK_KEYS, *ours) if key in stats}


def summarize_run(conn: Connection, run_id: str) -> dict[str, int]:
    """The run's stats: the runbook's keys first, then ours (alphabetically)."""
    stats = sql.run(conn, "pipeline/summarize_run", run_id=run_id).scalar_one()
    return {key: int(value) for key, value in in_runbook_order(stats).items()}
