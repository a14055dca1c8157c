"""Dead runs: an orphans run whose worker process is gone is reported failed to the instance
and closed in `orphans.runs`, so it never blocks the next one.

The logic works on a Dagster instance and the registry alone (no definitions, no workspace), so
the daemon's sensor here and the launch layer above (`orphans_pipeline.launch`: before a launch
and while a run is polled) share it. Under the daemon, the sensor reports them without waiting
for the next `fix` or `run-fix`, so a scheduled or launchpad run killed mid-way never holds the
run queue (Dagster's own run monitoring only times runs out: DefaultRunLauncher cannot tell a
dead worker).
"""

import os
import socket
import time
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

import dagster as dg
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from orphans_pipeline.core import runs, schema
from orphans_pipeline.core.vocabulary import RunTag
from orphans_pipeline.defs.jobs import PIPELINE_TAG
from orphans_pipeline.defs.resources import CT4Database

PIPELINE_KEY = next(iter(PIPELINE_TAG))
# Set on every run the launch layer creates: the host whose processes can be looked at.
HOST_TAG = RunTag.LAUNCH_HOST.value
IN_PROGRESS = (
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
)
RUNNING = (
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
)
# A run with no live worker we can see, this long after it was created or started, is dead
# (Dagster's run monitoring gives a run as long to start: dagster.yaml).
START_GRACE_SECONDS = 180.0
# A run queued (launchpad, schedule) this long while no daemon takes runs from the queue is
# stale: nothing will ever start it, and it would hold run-fix's 409 for ever.
QUEUED_STALE_SECONDS = 300.0
# The run queue's daemon beats every 30 s; silent this long, it is not running.
QUEUE_DAEMON = "QUEUED_RUN_COORDINATOR"
DAEMON_SILENT_SECONDS = 120.0


def _worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The pid of the run's worker process, from the engine events its launch recorded."""
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, ascending=False, limit=50
    ).records
    for record in records:
        data = record.event_log_entry.dagster_event.event_specific_data  # type: ignore[union-attr]
        pid = (getattr(data, "metadata", None) or {}).get("pid")
        if pid is not None:
            try:
                return int(str(pid.value))
            except ValueError:
                continue
    return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie has exited: its parent has not reaped it yet
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def _worker_gone(
    instance: dg.DagsterInstance,
    record: Any,
    running_before: bool,
    registry: dict[str, Any] | None,
    live_sessions: set[str],
    grace_seconds: float,
) -> bool:
    run = record.dagster_run
    if run.run_id in live_sessions:
        return False
    # A worker holds its session from before it registers the run until after it closes it:
    # a row running both before and after its session was found absent has lost its worker.
    if running_before and registry is not None and registry["status"] == "running":
        return True
    if run.tags.get(HOST_TAG) == socket.gethostname():
        pid = _worker_pid(instance, run.run_id)
        if pid is not None:
            return not _pid_alive(pid)
    if registry is not None and registry["status"] != "running":
        # The worker closed its record and released its session: Dagster's end event follows
        # (run monitoring covers a worker lost in that last moment).
        return False
    if run.tags.get(PIPELINE_KEY) != PIPELINE_TAG[PIPELINE_KEY]:
        # A review run holds no registry row nor session to judge by: run monitoring's timeouts.
        return False
    started = record.start_time or record.create_timestamp.timestamp()
    return time.time() - started > grace_seconds


def _registry_running(engine: Engine, run_id: str) -> bool:
    row = runs.get_run(engine, run_id)
    return row is not None and row["status"] == "running"


def reconcile(
    instance: dg.DagsterInstance,
    engine: Engine,
    *,
    run_id: str | None = None,
    grace_seconds: float = START_GRACE_SECONDS,
    queued_stale_seconds: float = QUEUED_STALE_SECONDS,
) -> list[str]:
    """Report failed the orphans runs whose worker is gone, and bring the registry in line with
    Dagster (a finished run is never left `running`; a failed one never `succeeded`).

    Only `run_id` when given, else every orphans run, and then also the queued runs no daemon
    will start (`fail_stale_queued_runs`). Returns the runs reported failed.
    """
    records = instance.get_run_records(
        dg.RunsFilter(
            run_ids=[run_id] if run_id else None,
            tags=None if run_id else {PIPELINE_KEY: ["fix", "review"]},
            statuses=list(RUNNING),
        )
    )
    candidates = [record.dagster_run.run_id for record in records]
    registry_open = set(runs.open_run_ids(engine)) if not run_id else set()
    running_before = {rid for rid in candidates if _registry_running(engine, rid)}
    live = runs.live_run_ids(
        engine, sorted({*candidates, *registry_open, *([run_id] if run_id else [])})
    )
    failed: list[str] = []
    for record in records:
        run = record.dagster_run
        registry = runs.get_run(engine, run.run_id)
        before = run.run_id in running_before
        if not _worker_gone(instance, record, before, registry, live, grace_seconds):
            continue
        message = (
            "the run's worker process is gone (killed or lost) before the run finished; "
            "nothing of an unfinished execute was committed"
        )
        if run.status == dg.DagsterRunStatus.CANCELING:
            instance.report_run_canceled(run, message=message)
        else:
            instance.report_run_failed(run, message=message)
        if registry is not None and registry["status"] != "failed":
            runs.finish_run(engine, run.run_id, succeeded=False, error=f"interrupted: {message}")
        failed.append(run.run_id)
    for open_id in registry_open | ({run_id} if run_id else set()):
        settle_registry(instance, engine, open_id, live)
    if run_id is None:
        failed += fail_stale_queued_runs(instance, queued_stale_seconds)
    return failed


def queue_daemon_running(instance: dg.DagsterInstance) -> bool:
    heartbeat = instance.get_daemon_heartbeats().get(QUEUE_DAEMON)
    return heartbeat is not None and time.time() - heartbeat.timestamp < DAEMON_SILENT_SECONDS


def fail_stale_queued_runs(
    instance: dg.DagsterInstance, stale_seconds: float = QUEUED_STALE_SECONDS
) -> list[str]:
    """Report failed the orphans runs queued more than `stale_seconds` ago while no daemon
    takes runs from the queue (with one running, the queue is its business)."""
    records = instance.get_run_records(
        dg.RunsFilter(statuses=[dg.DagsterRunStatus.QUEUED], tags={PIPELINE_KEY: ["fix", "review"]})
    )
    stale = [r for r in records if time.time() - r.create_timestamp.timestamp() > stale_seconds]
    if not stale or queue_daemon_running(instance):
        return []
    message = (
        f"queued for more than {stale_seconds / 60:g} minutes while no Dagster daemon takes "
        "runs from the queue: failed as stale (start `dagster-daemon run`, or "
        "`orphans-pipeline ui`, for the launchpad and the schedule)"
    )
    for record in stale:
        instance.report_run_failed(record.dagster_run, message=message)
    return [record.dagster_run.run_id for record in stale]


def settle_registry(
    instance: dg.DagsterInstance, engine: Engine, run_id: str, live: AbstractSet[str] = frozenset()
) -> None:
    """Close a registry row still `running` whose Dagster run has finished."""
    registry = runs.get_run(engine, run_id)
    dagster_run = instance.get_run_by_id(run_id)
    if registry is None or dagster_run is None or run_id in live:
        return
    if registry["status"] == "running" and dagster_run.is_finished:
        succeeded = dagster_run.status == dg.DagsterRunStatus.SUCCESS
        runs.finish_run(
            engine,
            run_id,
            succeeded=succeeded,
            error=None if succeeded else f"Dagster reports the run {dagster_run.status.value}",
        )
    elif registry["status"] == "succeeded" and dagster_run.status in (
        dg.DagsterRunStatus.FAILURE,
        dg.DagsterRunStatus.CANCELED,
    ):
        runs.finish_run(
            engine,
            run_id,
            succeeded=False,
            error=f"Dagster reports the run {dagster_run.status.value}",
        )


def busy_run_ids(instance: dg.DagsterInstance) -> list[str]:
    """Orphans pipeline runs not finished yet (queued included)."""
    records = instance.get_run_records(
        dg.RunsFilter(statuses=list(IN_PROGRESS), tags={PIPELINE_KEY: ["fix", "review"]})
    )
    return [record.dagster_run.run_id for record in records]


@dg.sensor(
    name="orphans_dead_run_sensor",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description=(
        "Every minute: an orphans run whose worker process is gone (its registry session absent, "
        "its pid dead) is reported failed and closed in orphans.runs, so it never blocks the "
        "run queue."
    ),
)
def orphans_dead_run_sensor(context: dg.SensorEvaluationContext, ct4: CT4Database) -> dg.SkipReason:
    try:
        failed = reconcile(context.instance, ct4.ready_engine())
    except schema.SchemaNotReady as exc:
        return dg.SkipReason(str(exc))
    except DBAPIError as exc:
        return dg.SkipReason(f"cannot look at the runs: {schema.database_problem(None, exc)}")
    if failed:
        context.log.warning("reported failed, their worker being gone: %s", ", ".join(failed))
        return dg.SkipReason(f"reported failed: {', '.join(failed)}")
    return dg.SkipReason("no orphans run has lost its worker")
