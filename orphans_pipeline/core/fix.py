"""The steps of a run, without Dagster: the assets of orphans_fix_job call them, in order.

The job is the only place a run's steps are sequenced (`orphans_pipeline.defs`); every run,
the tests' included, is a run of that job. Writes of an execute (links, quarantine rows,
history) happen in `apply_run`, in one transaction under the pipeline lock, so a crash leaves
nothing half-written and the next run completes it.
"""

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from orphans_pipeline.core import quarantine, repair, reports, runs, sql
from orphans_pipeline.core.faults import crash_point
from orphans_pipeline.core.locking import lock_orphans_pipeline
from orphans_pipeline.core.vocabulary import RunMode

DEFAULT_LOCK_WAIT_SECONDS = 60.0
# `limit` is stored in an int column and bound as a PostgreSQL int.
MAX_LIMIT = 2_147_483_647


class InvalidRequest(ValueError):
    """A request the pipeline refuses before touching anything; the message says why."""


@dataclass(frozen=True)
class FixOptions:
    execute: bool = False
    limit: int | None = None
    output_dir: str | None = None
    lock_wait_seconds: float = DEFAULT_LOCK_WAIT_SECONDS
    # Re-judge every row still quarantined, not only those whose inputs changed.
    full: bool = False

    def validated_output_dir(self) -> Path:
        """The output directory, inside the reports root (the API's and the launchpad's rule)."""
        self.validate_limit()
        try:
            return reports.resolve_output_dir(self.output_dir)
        except reports.InvalidOutputDir as exc:
            raise InvalidRequest(str(exc)) from exc

    def checked_output_dir(self) -> Path:
        """What `validated_output_dir` gives, with nothing created: a request refused for any
        reason leaves no directory behind."""
        self.validate_limit()
        try:
            return reports.confined_output_dir(self.output_dir)
        except reports.InvalidOutputDir as exc:
            raise InvalidRequest(str(exc)) from exc

    def validate_limit(self) -> None:
        limit = self.limit
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT
        ):
            raise InvalidRequest(
                f"limit must be a whole number of at least 1 and at most {MAX_LIMIT}, not {limit}"
            )


def operator_output_dir(output_dir: str | None) -> Path | None:
    """The CLI's --output-dir: relative to the working directory, created if needed, refused
    only if it cannot be written. (Remote users, through the API and the launchpad, stay
    confined to the reports root.)"""
    if not output_dir:
        return None
    path = Path(output_dir).expanduser().resolve()
    try:
        reports.make_report_dir(path)
    except OSError as exc:
        raise InvalidRequest(f"cannot create output directory {path}: {exc.strerror}") from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise InvalidRequest(f"output directory {path} is not writable")
    return path


def launch_environment(
    *,
    execute: bool,
    limit: int | None,
    output_dir: str | None,
    confine_output_dir: bool,
    full: bool,
) -> tuple[str | None, dict[str, str]]:
    """The output directory a run is launched with, and the variables its code server and run
    worker get, once the request is valid (refused here, before a run or a process exists).

    `confine_output_dir=False` is the operator's CLI: the directory is taken as given (relative
    to the working directory) and becomes the run's reports root.
    """
    options = FixOptions(execute=execute, limit=limit, output_dir=output_dir, full=full)
    environment: dict[str, str] = {}
    if confine_output_dir:
        options.validated_output_dir()
    else:
        options.validate_limit()
        chosen = operator_output_dir(output_dir)
        if chosen is not None:
            output_dir = str(chosen)
            environment["ORPHANS_REPORTS_ROOT"] = output_dir
    return output_dir, environment


@dataclass
class ApplyResult:
    stats: dict[str, int]
    links_created: int = 0
    quarantine_rows_written: int = 0
    history_rows: int = 0


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
            # Its own writes then stay out of the change log, which its judgement would empty.
            sql.run(conn, "pipeline/mark_applying_run", run_id=run_id)
        sql.run(conn, "pipeline/delete_run_plan", run_id=run_id)
        repair.judge_lead_events(conn, run_id)
        repair.plan_lead_links(conn, run_id)
        result = ApplyResult(stats={})
        if execute:
            result.links_created, _lost = repair.insert_lead_links(conn, run_id)
            crash_point("after_links")
        quarantine.plan_orphan_outcomes(conn, run_id)
        _analyze_outcomes(conn)
        if execute:
            crash_point("before_quarantine_writes")
            result.quarantine_rows_written = quarantine.upsert_driver_orphan_quarantine(
                conn, run_id
            )
            result.history_rows = quarantine.count_run_history(conn, run_id)
            # Last, so that the run's own writes are the ones it takes out of the change log.
            quarantine.record_judgement(conn, run_id)
        result.stats = runs.summarize_run(conn, run_id)
        if execute:
            crash_point("before_commit")
    return result


# A run that cannot take the outcomes' ANALYZE lock at once, or may not (before PostgreSQL 17
# a role without MAINTAIN cannot lock the table in that mode), plans without fresh statistics.
_ANALYZE_SKIPPED = {"55P03", "42501"}


def _analyze_outcomes(conn: Connection) -> None:
    """Fresh statistics for the outcomes just planned (pipeline/analyze_run_outcomes), when no
    other run's transaction holds them: an ANALYZE keeps its lock until commit, and waiting for
    another run's would stall this one, and under the pipeline lock the reviews behind it."""
    try:
        with conn.begin_nested():
            sql.run(conn, "pipeline/lock_run_outcomes")
            sql.run(conn, "pipeline/analyze_run_outcomes")
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) not in _ANALYZE_SKIPPED:
            raise


def report_run(
    engine: Engine,
    run_id: str,
    *,
    execute: bool,
    stats: dict[str, int],
    output_dir: Path,
    started_at: datetime,
) -> tuple[str, str]:
    """Write the run's reports, keep them and the stats in the registry, drop its work rows.

    The registry row is closed later, at the run's real end (after the checks).
    """
    paths = reports.write_reports(
        engine,
        run_id,
        mode=RunMode.EXECUTE if execute else RunMode.DRY_RUN,
        stats=stats,
        output_dir=output_dir,
        started_at=started_at,
    )
    runs.record_results(engine, run_id, stats=stats, report_paths=paths)
    with engine.begin() as conn:
        sql.run(conn, "pipeline/delete_run_work", run_id=run_id)
    return paths
