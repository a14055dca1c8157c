"""One run of the pipeline, without Dagster: detect, classify, apply, report.

The Dagster assets call the same steps one by one; the tests call `run_fix`.
Writes of an execute (links, quarantine rows, history) happen in `apply_run`, in one transaction
under the pipeline lock, so a crash leaves nothing half-written and the next run completes it.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from orphans_pipeline.core import (
    classify,
    detect,
    quarantine,
    repair,
    reports,
    runs,
    schema,
    sql,
)
from orphans_pipeline.core.faults import crash_point
from orphans_pipeline.core.locking import lock_orphans_pipeline

DEFAULT_LOCK_WAIT_SECONDS = 60.0


class InvalidRequest(ValueError):
    """A request the pipeline refuses before touching anything; the message says why."""


@dataclass(frozen=True)
class FixOptions:
    execute: bool = False
    limit: int | None = None
    output_dir: str | None = None
    lock_wait_seconds: float = DEFAULT_LOCK_WAIT_SECONDS

    def validated_output_dir(self) -> Path:
        if self.limit is not None and (isinstance(self.limit, bool) or self.limit < 1):
            raise InvalidRequest(f"limit must be a whole number of at least 1, not {self.limit}")
        try:
            return reports.resolve_output_dir(self.output_dir)
        except reports.InvalidOutputDir as exc:
            raise InvalidRequest(str(exc)) from exc


@dataclass
class ApplyResult:
    stats: dict[str, int]
    links_created: int = 0
    quarantine_rows_written: int = 0
    history_rows: int = 0


@dataclass
class FixResult:
    run_id: str
    execute: bool
    stats: dict[str, int]
    report_json: str
    report_csv: str
    detected: dict[str, int] = field(default_factory=dict)
    classified: dict[str, int] = field(default_factory=dict)
    applied: ApplyResult | None = None


def apply_run(
    engine: Engine, run_id: str, *, execute: bool, lock_wait_seconds: float
) -> ApplyResult:
    """Plan links and outcomes against the current state and, for an execute, write them.

    The plan is the same SQL in both modes, which is why a dry run's report equals what the
    following execute does on the same data. A dry run reads one snapshot and writes only this
    project's work tables.
    """
    isolation = "READ COMMITTED" if execute else "REPEATABLE READ"
    with engine.connect().execution_options(isolation_level=isolation) as conn, conn.begin():
        if execute:
            lock_orphans_pipeline(conn, lock_wait_seconds)
        sql.run(conn, "pipeline/delete_run_plan", run_id=run_id)
        repair.judge_lead_events(conn, run_id)
        repair.plan_lead_links(conn, run_id)
        result = ApplyResult(stats={})
        if execute:
            result.links_created, _lost = repair.insert_lead_links(conn, run_id)
            crash_point("after_links")
        quarantine.plan_orphan_outcomes(conn, run_id)
        if execute:
            crash_point("before_quarantine_writes")
            result.quarantine_rows_written = quarantine.upsert_driver_orphan_quarantine(
                conn, run_id
            )
            result.history_rows = quarantine.insert_quarantine_history(conn, run_id)
        result.stats = runs.summarize_run(conn, run_id)
        if execute:
            crash_point("before_commit")
    return result


def report_run(
    engine: Engine,
    run_id: str,
    *,
    execute: bool,
    stats: dict[str, int],
    output_dir: Path,
    started_at: datetime,
) -> tuple[str, str]:
    """Write the run's reports, close it in the registry and drop its work rows."""
    paths = reports.write_reports(
        engine,
        run_id,
        mode="execute" if execute else "dry_run",
        stats=stats,
        output_dir=output_dir,
        started_at=started_at,
    )
    runs.finish_run(engine, run_id, succeeded=True, stats=stats, report_paths=paths)
    with engine.begin() as conn:
        sql.run(conn, "pipeline/delete_run_work", run_id=run_id)
    return paths


def run_fix(engine: Engine, options: FixOptions, run_id: str | None = None) -> FixResult:
    """Run the whole pipeline in this process (no Dagster)."""
    output_dir = options.validated_output_dir()
    schema.require_current(engine)
    run_id = run_id or str(uuid.uuid4())
    started_at = datetime.now(UTC)
    runs.register_run(
        engine, run_id, execute=options.execute, limit=options.limit, output_dir=str(output_dir)
    )
    try:
        detected = detect.detect_orphans(engine, run_id, options.limit)
        classified = classify.classify_orphans(engine, run_id)
        applied = apply_run(
            engine, run_id, execute=options.execute, lock_wait_seconds=options.lock_wait_seconds
        )
        json_path, csv_path = report_run(
            engine,
            run_id,
            execute=options.execute,
            stats=applied.stats,
            output_dir=output_dir,
            started_at=started_at,
        )
    except Exception as exc:
        runs.finish_run(engine, run_id, succeeded=False, error=f"{type(exc).__name__}: {exc}")
        raise
    return FixResult(
        run_id, options.execute, applied.stats, json_path, csv_path, detected, classified, applied
    )
