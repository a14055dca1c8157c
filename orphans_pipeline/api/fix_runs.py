"""run-fix from the API: launch orphans_fix_job through the Dagster instance, answer with its
run id at once, and read its progress back from the instance and the run registry.

The run executes in a run worker process of its own, started by the instance's run launcher
from the workspace's code location (as a launchpad run), never on a thread of this server.
Before a launch and while a run is polled, runs whose worker is gone are reported failed, so a
run killed with its server never blocks the next one.
"""

import csv
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC
from typing import Any

import dagster as dg
import psycopg
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from orphans_pipeline import instance as dagster_instance
from orphans_pipeline import launch
from orphans_pipeline.core import db, fix, reports, runs, schema
from orphans_pipeline.core.vocabulary import JobName, RunTag
from orphans_pipeline.defs.reconcile import QUEUED_STALE_SECONDS

LOG = logging.getLogger(__name__)
DRIVERS_SHOWN = 100


class RunInProgress(RuntimeError):
    """Another orphans pipeline run has not finished; the message names it."""


class RunNotFound(LookupError):
    pass


class FixRunLauncher:
    def __init__(
        self,
        start_timeout_seconds: float = 60.0,
        queued_stale_seconds: float = QUEUED_STALE_SECONDS,
    ) -> None:
        self.start_timeout_seconds = start_timeout_seconds
        self.queued_stale_seconds = queued_stale_seconds
        self._guard = threading.Lock()
        self._instance: dg.DagsterInstance | None = None
        self._workspace: Any = None
        self._stack = ExitStack()
        self._launcher: ThreadPoolExecutor | None = None

    def instance(self) -> dg.DagsterInstance:
        if self._instance is None:
            dagster_instance.prepare_dagster_environment()
            self._instance = dg.DagsterInstance.get()
        return self._instance

    def workspace(self) -> Any:
        """The workspace (its code location's gRPC server starts at the first run-fix)."""
        if self._workspace is None:
            self._workspace = self._stack.enter_context(launch.workspace(self.instance()))
        return self._workspace

    def close(self) -> None:
        """Let go of the workspace and the instance (a run in progress goes on by itself)."""
        if self._launcher is not None:
            self._launcher.shutdown(wait=True)  # a launch under way completes first
            self._launcher = None
        self._stack.close()
        self._workspace = None
        if self._instance is not None:
            self._instance.dispose()
            self._instance = None

    def launch(
        self,
        *,
        execute: bool,
        limit: int | None,
        output_dir: str | None,
        engine: Engine | None = None,
        full: bool = False,
    ) -> str:
        """Create the run and start its worker; return the run id as soon as the run exists.

        A refused request (bad input, another run in progress) touches no file: the output
        directory is only checked until the run is sure to be created.
        """
        options = fix.FixOptions(execute=execute, limit=limit, output_dir=output_dir, full=full)
        options.checked_output_dir()
        engine = engine or db.get_engine()
        schema.require_current(engine)
        with self._guard:
            instance = self.instance()
            _reconcile(instance, engine, queued_stale_seconds=self.queued_stale_seconds)
            busy = launch.busy_run_ids(instance)
            if busy:
                raise RunInProgress(self._busy(instance, busy[0]))
            options.validated_output_dir()
            run_id, request = launch.create_run(
                instance,
                self.workspace(),
                execute=execute,
                limit=limit,
                output_dir=output_dir,
                tags={RunTag.LAUNCHED_BY.value: "api"},
                full=full,
            )
            # The run exists (and counts as in progress); its worker starts in the background,
            # so the answer does not wait for a Python process to boot.
            self.launcher_thread().submit(self._launch, instance, run_id, request)
            return run_id

    def _busy(self, instance: dg.DagsterInstance, run_id: str) -> str:
        """Why run-fix must wait: the run in the way, its status, and what ends it."""
        record = instance.get_run_record_by_id(run_id)
        status = record.dagster_run.status if record else None
        if record is not None and status == dg.DagsterRunStatus.QUEUED:
            queued = record.create_timestamp.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            why = (
                f"QUEUED since {queued}, waiting for the Dagster daemon to take it from the run "
                "queue; with no daemon running it is failed as stale "
                f"{self.queued_stale_seconds / 60:g} minutes after it was queued"
            )
        else:
            why = f"{status.value if status else 'unknown'}: wait for it, or terminate it in the UI"
        return f"orphans pipeline run {run_id} has not finished yet ({why})"

    def launcher_thread(self) -> ThreadPoolExecutor:
        if self._launcher is None:
            self._launcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="orphans-launch")
        return self._launcher

    @staticmethod
    def _launch(instance: dg.DagsterInstance, run_id: str, request: Any) -> None:
        try:
            instance.launch_run(run_id, request)
        except Exception as exc:
            LOG.exception("orphans run %s could not be launched", run_id)
            run = instance.get_run_by_id(run_id)
            if run is not None and not run.is_finished:
                instance.report_run_failed(run, message=f"the run could not be launched: {exc}")

    def describe(self, engine: Engine, run_id: str) -> dict[str, Any]:
        """The run's status in Dagster, its registry row (stats, reports) and its drivers."""
        dagster_run = self.instance().get_run_by_id(run_id)
        if dagster_run is not None and not dagster_run.is_finished:
            # A worker that died is reported here, so a poll never waits for ever; the
            # reconcile settles the registry row too.
            _reconcile(self.instance(), engine, run_id=run_id)
            dagster_run = self.instance().get_run_by_id(run_id)
        elif dagster_run is not None:
            _reconcile(self.instance(), engine, run_id=run_id, settle_only=True)
        registry = runs.get_run(engine, run_id)
        if dagster_run is None and registry is None:
            raise RunNotFound(f"no {JobName.FIX} or {JobName.DRY_RUN} run {run_id!r}")
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
        return {e.check_name: e.passed for e in launch.check_results(self.instance(), run_id)}


def _reconcile(
    instance: dg.DagsterInstance,
    engine: Engine,
    *,
    run_id: str | None = None,
    settle_only: bool = False,
    queued_stale_seconds: float = QUEUED_STALE_SECONDS,
) -> None:
    """Bring the registry in line with Dagster where this server's role may write it.

    An API that runs as orphans_reviewer alone may only read orphans.runs: it leaves closing
    rows to the run's worker and the daemon's dead-run sensor, and still answers.
    """
    try:
        if settle_only and run_id is not None:
            launch.settle_registry(instance, engine, run_id)
        else:
            launch.reconcile(
                instance, engine, run_id=run_id, queued_stale_seconds=queued_stale_seconds
            )
    except DBAPIError as exc:
        if not isinstance(exc.orig, psycopg.errors.InsufficientPrivilege):
            raise
        LOG.warning("orphans.runs not reconciled (this role may only read it): %s", exc.orig)


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
