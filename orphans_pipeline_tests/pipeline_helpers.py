"""Run the pipeline in tests as production does: a run of orphans_fix_job (or, for a dry run,
orphans_dry_run_job) through its assets and checks, with the job's own executor (in process),
on an ephemeral Dagster instance. The CT4 resource finds the test database through
DATABASE_URL, exactly as in a deployment."""

import csv
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from orphans_pipeline import launch
from orphans_pipeline.core import fix, locking, runs, schema
from orphans_pipeline.core.vocabulary import AssetName

FixOptions = fix.FixOptions


@dataclass
class Applied:
    quarantine_rows_written: int
    history_rows: int


@dataclass
class JobRun:
    run_id: str
    execute: bool
    success: bool
    stats: dict[str, int]
    report_json: str
    report_csv: str
    registry: dict[str, Any]
    applied: Applied | None
    result: Any


@contextmanager
def database_url(engine: Engine) -> Iterator[None]:
    saved = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = saved


def execute_run(
    engine: Engine,
    *,
    execute: bool = True,
    limit: int | None = None,
    output_dir: str | None = None,
    lock_wait_seconds: float = 5,
    raise_on_error: bool = True,
    instance: dg.DagsterInstance | None = None,
    full: bool = False,
) -> Any:
    """One run of the job, through its assets; returns Dagster's result."""
    with database_url(engine):
        result = launch.execute_in_this_process(
            execute=execute,
            limit=limit,
            output_dir=output_dir,
            lock_wait_seconds=lock_wait_seconds,
            instance=instance,
            full=full,
        )
    if raise_on_error and not result.success:
        _raise_first_failure(result)
    return result


def _raise_first_failure(result: Any) -> None:
    """Raise, in the test, the error that failed the run's first failed step (by its type)."""
    for event in result.all_events:
        if not event.is_step_failure:
            continue
        error = event.step_failure_data.error
        if error is None:
            raise AssertionError(f"{event.step_key} failed")
        if error.cls_name == "DagsterAssetCheckFailedError":
            continue  # a failed check: the caller reads it from the result
        for info in (error, error.cause):
            if info is not None and info.cls_name in _KNOWN:
                raise _KNOWN[info.cls_name](info.message.split(": ", 1)[-1].strip())
        raise AssertionError(f"{event.step_key} failed: {error.to_string()}")


def _database_error(kind: type[DBAPIError]) -> Any:
    def build(message: str) -> DBAPIError:
        return kind(message, None, Exception(message))

    return build


_KNOWN: dict[str, Any] = {
    "InvalidRequest": fix.InvalidRequest,
    "SchemaNotReady": schema.SchemaNotReady,
    "PipelineBusy": locking.PipelineBusy,
    "ProgrammingError": _database_error(ProgrammingError),
    "OperationalError": _database_error(OperationalError),
}


def run_fix(
    engine: Engine,
    options: fix.FixOptions | None = None,
    *,
    execute: bool = True,
    limit: int | None = None,
) -> JobRun:
    """A run of the job (an execute unless told), its stats and reports from the registry."""
    full = False
    if options is not None:
        execute, limit = options.execute, options.limit
        output_dir, wait = options.output_dir, options.lock_wait_seconds
        full = options.full
    else:
        output_dir, wait = None, 5
    result = execute_run(
        engine,
        execute=execute,
        limit=limit,
        output_dir=output_dir,
        lock_wait_seconds=wait,
        full=full,
    )
    registry = runs.get_run(engine, result.run_id)
    assert registry is not None, "the run registered itself"
    applied = None
    if execute:
        metadata = next(
            event.event_specific_data.materialization.metadata  # type: ignore[union-attr]
            for event in result.get_asset_materialization_events()
            if event.asset_key.to_user_string() == AssetName.DRIVER_ORPHAN_QUARANTINE
        )
        applied = Applied(
            quarantine_rows_written=int(metadata["quarantine_rows_written"].value),  # type: ignore[arg-type]
            history_rows=int(metadata["history_rows_appended"].value),  # type: ignore[arg-type]
        )
    return JobRun(
        run_id=result.run_id,
        execute=execute,
        success=result.success,
        stats={key: int(value) for key, value in runs.in_runbook_order(registry["stats"]).items()},
        report_json=registry["report_json_path"],
        report_csv=registry["report_csv_path"],
        registry=registry,
        applied=applied,
        result=result,
    )


def report_rows(result: JobRun) -> list[dict[str, str]]:
    with Path(result.report_csv).open(newline="") as handle:
        return list(csv.DictReader(handle))


def report_row(result: JobRun, driver_id: str) -> dict[str, str]:
    rows = [row for row in report_rows(result) if row["driver_id"] == driver_id]
    assert len(rows) == 1, f"{driver_id} not in the report once: {rows}"
    return rows[0]
