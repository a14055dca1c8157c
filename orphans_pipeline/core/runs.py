"""The run registry (`orphans.runs`): one row per run, its mode, limit, outcome and stats.

A run is registered by its first step and closed once, at its real end (after the checks), by
the run's executor (`close_open_run`), which holds the run's liveness session (`RunLiveness`)
from before the first step to after that close; a run whose process died is closed by the next
run's reconciliation, from what Dagster says of it.
"""

import json
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine

from orphans_pipeline.core import sql
from orphans_pipeline.core.vocabulary import RunMode

LIVENESS_NAME = "orphans run {run_id}"


class RunLiveness:
    """The run's liveness session: one idle PostgreSQL session named 'orphans run <run_id>'.

    Held by whatever outlives every step of the run, in the process that sees the run start and
    end: the run's executor, in the run worker (defs/jobs.py), whatever process each step runs
    in. If that process dies, the session goes with it, and the next run (or the dead-run
    sensor) closes the registry row left `running` as failed. An object, not a module-level
    registry, so nothing depends on the steps sharing a process.
    """

    def __init__(self, engine: Engine, run_id: str) -> None:
        self.engine = engine
        self.run_id = run_id
        self._session: psycopg.Connection[Any] | None = None

    def hold(self) -> "RunLiveness":
        self.release()
        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._session = psycopg.connect(
            url, autocommit=True, application_name=LIVENESS_NAME.format(run_id=self.run_id)
        )
        return self

    def release(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.close()

    def __enter__(self) -> "RunLiveness":
        return self.hold()

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def live_run_ids(engine: Engine, run_ids: list[str]) -> set[str]:
    """The runs among `run_ids` whose process still holds its liveness session."""
    if not run_ids:
        return set()
    with engine.connect() as conn:
        return set(sql.run(conn, "pipeline/select_live_run_sessions", run_ids=run_ids).scalars())


def open_run_ids(engine: Engine) -> list[str]:
    """The runs the registry still shows as running, oldest first."""
    with engine.connect() as conn:
        return list(sql.run(conn, "pipeline/select_open_runs").scalars())


def close_open_run(engine: Engine, run_id: str, *, error: str | None) -> bool:
    """At a run's real end, by the holder of its liveness: close the row it registered, if any.

    Returns whether there was one still running (a run that failed before registering has none).
    """
    registered = get_run(engine, run_id)
    if registered is None or registered["status"] != "running":
        return False
    finish_run(engine, run_id, succeeded=error is None, error=error)
    return True


def close_interrupted_runs(engine: Engine, run_id: str = "") -> list[str]:
    """Close as failed the runs marked running whose process is gone; return their ids."""
    with engine.begin() as conn:
        return list(sql.run(conn, "pipeline/close_interrupted_runs", run_id=run_id).scalars())


def register_run(
    engine: Engine, run_id: str, *, execute: bool, limit: int | None, output_dir: str | None
) -> None:
    """Open the run's registry row. Its liveness session is held by the run's executor
    (RunLiveness, from before the first step), in whatever process; a row registered without
    one is closed as interrupted by the next run."""
    close_interrupted_runs(engine, run_id)
    with engine.begin() as conn:
        sql.run(
            conn,
            "pipeline/register_run",
            run_id=run_id,
            mode=RunMode.EXECUTE if execute else RunMode.DRY_RUN,
            row_limit=limit,
            output_dir=output_dir,
        )


def record_results(
    engine: Engine, run_id: str, *, stats: dict[str, Any], report_paths: tuple[str, str]
) -> None:
    """Keep the run's stats and reports; it stays running until its end closes it."""
    with engine.begin() as conn:
        sql.run(
            conn,
            "pipeline/record_run_results",
            run_id=run_id,
            stats=json.dumps(stats),
            report_json_path=report_paths[0],
            report_csv_path=report_paths[1],
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
    """Close the row. The liveness holder releases its session only after this: a running row
    never lacks its session."""
    json_path, csv_path = report_paths or (None, None)
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
