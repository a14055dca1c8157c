"""run-fix from the API: launch orphans_fix_job in the background and answer with its run id.

The run executes in this process (the in-process executor, as the CLI does), on a worker
thread, so the request returns as soon as Dagster has created the run, before any step runs.
Its progress and result are read back from the instance and the run registry.
"""

import csv
import logging
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import dagster as dg
from sqlalchemy import Engine

from orphans_pipeline import instance as dagster_instance
from orphans_pipeline.core import fix, reports, runs
from orphans_pipeline.defs.jobs import PIPELINE_TAG

LOG = logging.getLogger(__name__)
REQUEST_TAG = "orphans/request_id"
IN_PROGRESS = (
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
)
DRIVERS_SHOWN = 100


class RunInProgress(RuntimeError):
    """Another orphans_fix_job run has not finished; the message names it."""


class RunNotFound(LookupError):
    pass


class FixRunLauncher:
    def __init__(self, start_timeout_seconds: float = 60.0) -> None:
        self.start_timeout_seconds = start_timeout_seconds
        self._executor: ThreadPoolExecutor | None = None
        self._guard = threading.Lock()
        self._current: Future[Any] | None = None
        self._instance: dg.DagsterInstance | None = None

    def instance(self) -> dg.DagsterInstance:
        if self._instance is None:
            dagster_instance.prepare_dagster_environment()
            self._instance = dg.DagsterInstance.get()
        return self._instance

    def executor(self) -> ThreadPoolExecutor:
        if self._executor is None:
            # One worker: the API never runs two pipelines at once (the lock would refuse anyway).
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="orphans-fix")
        return self._executor

    def close(self) -> None:
        """Wait for a run in progress, then let go of the instance (the app may start again)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        if self._instance is not None:
            self._instance.dispose()
            self._instance = None

    def _running_run_ids(self) -> list[str]:
        records = self.instance().get_run_records(
            dg.RunsFilter(job_name="orphans_fix_job", statuses=list(IN_PROGRESS), tags=PIPELINE_TAG)
        )
        return [record.dagster_run.run_id for record in records]

    def launch(self, *, execute: bool, limit: int | None, output_dir: str | None) -> str:
        """Start a run; return its Dagster run id once the run exists."""
        fix.FixOptions(execute=execute, limit=limit, output_dir=output_dir).validated_output_dir()
        request_id = uuid.uuid4().hex
        with self._guard:
            if self._current is not None and not self._current.done():
                raise RunInProgress("a run started through the API has not finished yet")
            busy = self._running_run_ids()
            if busy:
                raise RunInProgress(f"orphans_fix_job run {busy[0]} has not finished yet")
            self._current = self.executor().submit(
                self._run, execute, limit, output_dir, request_id
            )
            future = self._current
        return self._wait_for_run(request_id, future)

    def _run(
        self, execute: bool, limit: int | None, output_dir: str | None, request_id: str
    ) -> Any:
        from orphans_pipeline.defs.launch import launch_fix_job

        try:
            return launch_fix_job(
                execute=execute,
                limit=limit,
                output_dir=output_dir,
                launched_by="api",
                tags={REQUEST_TAG: request_id},
            )
        except Exception:
            LOG.exception("orphans_fix_job launched through the API could not run")
            raise

    def _wait_for_run(self, request_id: str, future: Future[Any]) -> str:
        deadline = time.monotonic() + self.start_timeout_seconds
        while True:
            records = self.instance().get_run_records(
                dg.RunsFilter(tags={REQUEST_TAG: request_id}), limit=1
            )
            if records:
                return records[0].dagster_run.run_id
            if future.done():
                future.result()  # raises what stopped the run from being created
                raise RuntimeError("the run finished without being recorded in the instance")
            if time.monotonic() > deadline:
                raise RuntimeError("the run was not created in time; see the server's log")
            time.sleep(0.05)

    def describe(self, engine: Engine, run_id: str) -> dict[str, Any]:
        """The run's status in Dagster, its registry row (stats, reports) and its drivers."""
        dagster_run = self.instance().get_run_by_id(run_id)
        registry = runs.get_run(engine, run_id)
        if dagster_run is None and registry is None:
            raise RunNotFound(f"no orphans_fix_job run {run_id!r}")
        stats = (registry or {}).get("stats") or None
        csv_path = (registry or {}).get("report_csv_path")
        drivers, drivers_total = _report_drivers(csv_path)
        return {
            "run_id": run_id,
            "status": dagster_run.status.value if dagster_run else None,
            "finished": dagster_run.is_finished if dagster_run else True,
            "mode": (registry or {}).get("mode"),
            "registry_status": (registry or {}).get("status"),
            "started_at": (registry or {}).get("started_at"),
            "finished_at": (registry or {}).get("finished_at"),
            "stats": runs.in_runbook_order(stats) if stats else None,
            "checks": self._checks(run_id) if dagster_run else {},
            "error": (registry or {}).get("error"),
            "report_json_path": (registry or {}).get("report_json_path"),
            "report_csv_path": csv_path,
            "drivers": drivers,
            "drivers_total": drivers_total,
        }

    def _checks(self, run_id: str) -> dict[str, bool]:
        records = (
            self.instance()
            .get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
            .records
        )
        checks: dict[str, bool] = {}
        for record in records:
            evaluation = record.event_log_entry.dagster_event.event_specific_data  # type: ignore[union-attr]
            checks[evaluation.check_name] = evaluation.passed  # type: ignore[union-attr]
        return checks


def _report_drivers(csv_path: str | None) -> tuple[list[dict[str, str]], int | None]:
    """The report's first rows (one per driver) and how many there are, read as a stream.

    Only a report inside the reports root, by its name, is read: the registry's path (which a
    database role could set to anything) is never opened as it is. Anything else: no drivers.
    """
    report = reports.report_in_root(csv_path)
    if report is None or not report.name.endswith(".csv"):
        return [], None
    shown: list[dict[str, str]] = []
    total = 0
    with report.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            total += 1
            if len(shown) < DRIVERS_SHOWN:
                shown.append({k: reports.csv_cell_value(v or "") for k, v in row.items()})
    return shown, total
