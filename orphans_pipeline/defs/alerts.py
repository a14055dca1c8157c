"""Alert sensors: open-source Dagster has no alert policies, so these bring their own.

Each sensor keeps a JSON cursor: how far it has read, and the alerts whose delivery failed, which
it retries on the next ticks. An event is read once, so it is never alerted twice; a dry run
evaluates no check and closes no execute, so it never alerts.

A tick must end well inside Dagster's 60 s sensor timeout, or its cursor is lost and the next
tick sends again what a healthy target already got. So a tick tries each target once per alert
with a short timeout, stops trying a target for the rest of the tick once it failed, and stops
delivering at all after TICK_BUDGET_SECONDS; whatever is left waits in the cursor.

Every delivery, failure and give-up is recorded as an AssetObservation on the asset the alert is
about (kept in the event log, unlike skipped ticks, which Dagster purges after 7 days), so the
asset's Events tab in the UI lists each alert with its target and outcome.
"""

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg

from orphans_pipeline.core import alerts
from orphans_pipeline.core.vocabulary import CheckName, JobName
from orphans_pipeline.defs.jobs import check_results
from orphans_pipeline.defs.resources import AlertTargets, CT4Database

CHECKS = set(CheckName)
# On its very first tick a sensor looks back this far, not over the whole history.
FIRST_LOOKBACK = timedelta(days=1)
# An alert a target still refuses after this many attempts (one per tick) is given up, and
# recorded as such: at the 60 s interval, half an hour of outage.
MAX_ATTEMPTS_PER_ALERT = 30
EVENTS_PER_TICK = 200
# Delivery stops after this long in a tick; 60 s is Dagster's sensor timeout.
TICK_BUDGET_SECONDS = 30.0
# The jobs whose failed runs alert (selected by name, so a job that is absent is no error).
RUN_FAILURE_JOBS = (JobName.FIX, JobName.REVIEW, JobName.DRY_RUN)
# The run-failure sensor's cursor belongs to Dagster, so the alerts it could not deliver wait
# here, in the instance's key-value store, and the check-failure sensor retries them.
OUTBOX_KEY = "orphans_pipeline/alerts/outbox"
_OUTBOX_LOCK = threading.Lock()
# Dagster calls the run-failure sensor once per failed run, several in one tick: a target that
# failed is not tried again by it for this long, so a burst of failures costs one timeout.
_DOWN_FOR_SECONDS = 60.0
_down_since: dict[str, float] = {}


@dataclass
class Cursor:
    position: dict[str, Any] = field(default_factory=dict)
    pending: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, raw: str | None) -> "Cursor":
        if not raw:
            return cls()
        data = json.loads(raw)
        return cls(data.get("position", {}), data.get("pending", []))

    def dump(self) -> str:
        return json.dumps({"position": self.position, "pending": self.pending}, default=str)


def _record(
    instance: dg.DagsterInstance, alert: alerts.Alert, target: str, outcome: str, **extra: Any
) -> None:
    """An observation on the alert's asset: the UI lists it in the asset's events, for good."""
    metadata: dict[str, Any] = {
        "alert_key": alert.key,
        "alert_kind": alert.kind,
        "severity": alert.severity,
        "title": alert.title,
        "target": target,
        "outcome": outcome,
        "count": alert.count,
        **extra,
    }
    if alert.run_id:
        metadata["run"] = dg.MetadataValue.dagster_run(alert.run_id)
    if alert.run_url:
        metadata["run_url"] = dg.MetadataValue.url(alert.run_url)
    instance.report_runless_asset_event(
        dg.AssetObservation(
            asset_key=alert.asset_key,
            description=f"alert {outcome} ({target}): {alert.title}",
            metadata=metadata,
        )
    )


@dataclass
class Delivered:
    """What one round of delivery did: counts for the tick's message, what is left to retry."""

    pending: list[dict[str, Any]] = field(default_factory=list)
    delivered: int = 0
    failed: int = 0
    deferred: int = 0
    given_up: int = 0
    down: set[str] = field(default_factory=set)

    def message(self, new: int) -> str:
        return (
            f"{new} new alert(s); {self.delivered} delivered, {self.failed} failed, "
            f"{self.deferred} deferred, {self.given_up} given up; "
            f"{len(self.pending)} waiting for a retry"
        )


def deliver_all(
    log: Any,
    instance: dg.DagsterInstance,
    queue: list[dict[str, Any]],
    settings: alerts.AlertSettings,
    down: set[str] | None = None,
) -> Delivered:
    """One attempt per target per alert, within the tick's budget; record every outcome.

    `queue` holds entries {"alert", "targets", "attempts"}; the result's `pending` the entries
    with the targets that still have to receive them.
    """
    # Targets that failed this tick (or are known down) are not tried again until the next.
    result = Delivered(down=set(down or ()))
    deadline = time.monotonic() + TICK_BUDGET_SECONDS
    for entry in queue:
        alert = alerts.Alert(**entry["alert"])
        attempts = int(entry.get("attempts", 0))
        if attempts == 0:
            log.info(alert.summary())
        if not entry["targets"]:
            _record(instance, alert, "log", "logged", note="no alert target is configured")
        left, tried = [], False
        for target in entry["targets"]:
            if target in result.down or time.monotonic() > deadline:
                left.append(target)
                result.deferred += 1
                continue
            tried = True
            error = alerts.attempt(alert, settings, target)
            if error is None:
                result.delivered += 1
                _record(instance, alert, target, "delivered", attempt=attempts + 1)
                log.info(f"alert {alert.key} delivered to {target}")
                continue
            result.down.add(target)
            left.append(target)
            result.failed += 1
            _record(instance, alert, target, "failed", attempt=attempts + 1, error=error)
            log.warning(f"alert {alert.key} to {target} failed (attempt {attempts + 1}): {error}")
        attempts += tried
        if left and attempts >= MAX_ATTEMPTS_PER_ALERT:
            for target in left:
                result.given_up += 1
                _record(instance, alert, target, "given_up", attempt=attempts)
            log.error(f"alert {alert.key} given up for {left} after {attempts} attempts")
        elif left:
            result.pending.append({"alert": entry["alert"], "targets": left, "attempts": attempts})
    return result


def _entry(alert: alerts.Alert, settings: alerts.AlertSettings) -> dict[str, Any]:
    return {"alert": alert.as_dict(), "targets": settings.targets, "attempts": 0}


def _take_outbox(instance: dg.DagsterInstance) -> list[dict[str, Any]]:
    with _OUTBOX_LOCK:
        raw = instance.daemon_cursor_storage.get_cursor_values({OUTBOX_KEY}).get(OUTBOX_KEY)
        if raw and raw != "[]":
            instance.daemon_cursor_storage.set_cursor_values({OUTBOX_KEY: "[]"})
    return json.loads(raw) if raw else []


def _put_outbox(instance: dg.DagsterInstance, entries: list[dict[str, Any]]) -> None:
    with _OUTBOX_LOCK:
        raw = instance.daemon_cursor_storage.get_cursor_values({OUTBOX_KEY}).get(OUTBOX_KEY)
        waiting = (json.loads(raw) if raw else []) + entries
        instance.daemon_cursor_storage.set_cursor_values({OUTBOX_KEY: json.dumps(waiting)})


def _send(
    context: dg.SensorEvaluationContext,
    cursor: Cursor,
    new: list[alerts.Alert],
    settings: alerts.AlertSettings,
    outbox: list[dict[str, Any]] | None = None,
) -> dg.SkipReason:
    """Deliver the new alerts and retry the pending ones; save what still fails in the cursor."""
    queue = [
        {**entry, "attempts": entry.get("attempts", entry.get("ticks", 0))}
        for entry in cursor.pending + (outbox or [])
    ]
    queue += [_entry(alert, settings) for alert in new]
    if not settings.targets and new:
        context.log.warning(
            "no alert target is configured (ORPHANS_ALERT_WEBHOOK_URL or ORPHANS_ALERT_SMTP_HOST "
            "with ORPHANS_ALERT_EMAIL_TO): the alerts above went to this log only"
        )
    result = deliver_all(context.log, context.instance, queue, settings)
    cursor.pending = result.pending
    context.update_cursor(cursor.dump())
    return dg.SkipReason(result.message(len(new)) if queue else "nothing to alert")


def _metadata_value(metadata: Mapping[str, Any], key: str, default: Any) -> Any:
    value = metadata.get(key)
    return default if value is None else getattr(value, "value", value)


@dg.sensor(
    name="orphans_check_failure_alert_sensor",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description=(
        "Alerts on every failed evaluation of the orphans checks: ERROR checks (the run fails) "
        "and WARN checks (the run succeeds), with the count, up to 20 driver ids and the run. "
        "Also retries the run-failure alerts that could not be delivered."
    ),
)
def orphans_check_failure_alert_sensor(
    context: dg.SensorEvaluationContext, alert_targets: AlertTargets
) -> dg.SkipReason:
    cursor = Cursor.load(context.cursor)
    settings = alert_targets.settings()
    after = cursor.position.get("storage_id")
    records = context.instance.get_event_records(
        dg.EventRecordsFilter(
            event_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION,
            after_cursor=after,
            after_timestamp=None if after else (datetime.now(UTC) - FIRST_LOOKBACK).timestamp(),
        ),
        limit=EVENTS_PER_TICK,
        ascending=True,
    )
    new = []
    for record in records:
        cursor.position["storage_id"] = record.storage_id
        event = record.event_log_entry.dagster_event
        evaluation = event.event_specific_data if event else None
        if not isinstance(evaluation, dg.AssetCheckEvaluation):
            continue
        if evaluation.passed or evaluation.check_name not in CHECKS:
            continue
        count = int(_metadata_value(evaluation.metadata, "count", 0))
        driver_ids = list(_metadata_value(evaluation.metadata, "driver_ids", []))
        severity = evaluation.severity.value
        consequence = "the run failed" if severity == "ERROR" else "the run went on"
        new.append(
            alerts.Alert(
                key=f"check:{record.storage_id}",
                kind="check_failed",
                severity=severity,
                title=f"check {evaluation.check_name} failed",
                text=(
                    f"{evaluation.check_name} on {evaluation.asset_key.to_user_string()} "
                    f"found {count} ({severity}: {consequence})."
                ),
                check=evaluation.check_name,
                count=count,
                driver_ids=driver_ids[: alerts.MAX_DRIVER_IDS],
                run_id=record.run_id,
                run_url=settings.run_url(record.run_id),
                asset_key=evaluation.asset_key.to_user_string(),
            )
        )
    # This sensor, every minute, also retries what the run-failure sensor could not deliver.
    return _send(context, cursor, new, settings, outbox=_take_outbox(context.instance))


@dg.sensor(
    name="orphans_new_quarantine_alert_sensor",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description=(
        "Alerts when an execute quarantined drivers that were not quarantined before (new "
        "orphans without usable evidence, for reviewers), with up to 20 driver ids."
    ),
)
def orphans_new_quarantine_alert_sensor(
    context: dg.SensorEvaluationContext, ct4: CT4Database, alert_targets: AlertTargets
) -> dg.SkipReason:
    if problem := ct4.not_ready():
        return dg.SkipReason(problem)
    cursor = Cursor.load(context.cursor)
    settings = alert_targets.settings()
    after = cursor.position.get("finished_at")
    since = datetime.fromisoformat(after) if after else datetime.now(UTC) - FIRST_LOOKBACK
    new = []
    for run in alerts.finished_executes(ct4.engine(), since, cursor.position.get("run_id", "")):
        cursor.position = {"finished_at": run["finished_at"].isoformat(), "run_id": run["run_id"]}
        # By the history the run wrote, whatever its end: a failed check comes after the writes.
        if not run["new_quarantined"]:
            continue
        count = int(run["new_quarantined"])
        new.append(
            alerts.Alert(
                key=f"quarantined:{run['run_id']}",
                kind="new_quarantined",
                severity="WARN",
                title=f"{count} driver(s) newly quarantined",
                text=(
                    f"{JobName.FIX} quarantined {count} driver(s) that were not quarantined "
                    "before: they are out of funnel, claims and payments until reviewed."
                ),
                count=count,
                driver_ids=list(run["driver_ids"]),
                run_id=run["run_id"],
                run_url=settings.run_url(run["run_id"]),
            )
        )
    return _send(context, cursor, new, settings)


@dg.sensor(
    name="orphans_freshness_alert_sensor",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=600,
    description=(
        "Alerts when the last successful execute is older than 8 days "
        "(ORPHANS_FRESHNESS_DAYS): the weekly run did not happen or kept failing."
    ),
)
def orphans_freshness_alert_sensor(
    context: dg.SensorEvaluationContext, ct4: CT4Database, alert_targets: AlertTargets
) -> dg.SkipReason:
    if problem := ct4.not_ready():
        return dg.SkipReason(problem)
    cursor = Cursor.load(context.cursor)
    settings = alert_targets.settings()
    now = datetime.now(UTC)
    # With no execute ever, the clock starts when the sensor first looked.
    cursor.position.setdefault("first_seen", now.isoformat())
    last, run_id = alerts.last_successful_execute(ct4.engine())
    reference = last or datetime.fromisoformat(cursor.position["first_seen"])
    key = f"stale:{last.isoformat() if last else 'never'}"
    limit = alert_targets.freshness_limit()
    new = []
    if now - reference > limit and cursor.position.get("alerted_for") != key:
        cursor.position["alerted_for"] = key
        age = now - reference
        since = f"since {last:%Y-%m-%d %H:%M %Z}" if last else "ever"
        new.append(
            alerts.Alert(
                key=key,
                kind="stale",
                severity="ERROR",
                title=f"no successful orphans execute {since}",
                text=(
                    f"The last successful execute is {age.days} day(s) old (limit "
                    f"{limit.days}): the weekly run did not happen or kept failing."
                ),
                count=age.days,
                run_id=run_id,
                run_url=settings.run_url(run_id) if run_id else None,
            )
        )
    return _send(context, cursor, new, settings)


def _failed_error_checks(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    return [
        evaluation.check_name
        for evaluation in check_results(instance, run_id)
        if not evaluation.passed
        and evaluation.severity == dg.AssetCheckSeverity.ERROR
        and evaluation.check_name in CHECKS
    ]


def _root_error(error: Any) -> str:
    """The innermost cause: Dagster wraps the op's exception in its own."""
    while error.cause is not None:
        error = error.cause
    return str(error.message).strip()


@dg.run_failure_sensor(
    name="orphans_run_failure_alert_sensor",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    # Runs the CLI and the API execute in their own process carry no code location, so only
    # "all locations" sees them; the function keeps the orphans jobs, by name.
    monitor_all_code_locations=True,
    description=(
        "Alerts when a run of orphans_fix_job, orphans_dry_run_job or orphans_review_job fails "
        "for another reason than a failed check (database down, lock timeout, bad data...), "
        "with the error and the run. A failed ERROR check alerts through the check sensor."
    ),
)
def orphans_run_failure_alert_sensor(
    context: dg.RunFailureSensorContext, alert_targets: AlertTargets
) -> None:
    run = context.dagster_run
    if run.job_name not in RUN_FAILURE_JOBS:
        return
    checks = _failed_error_checks(context.instance, run.run_id)
    if checks:
        # The check sensor alerts for it, with the drivers: one alert, not two.
        context.log.info(f"run {run.run_id} failed by check(s) {checks}: alerted as such")
        return
    settings = alert_targets.settings()
    # The step's own error (e.g. PipelineBusy) says more than "steps failed: [...]".
    steps = [
        f"{event.step_key}: {_root_error(event.step_failure_data.error)}"
        for event in context.get_step_failure_events()
        if event.step_failure_data.error
    ]
    error = "; ".join(steps) or context.failure_event.message or "the run failed"
    alert = alerts.Alert(
        key=f"run_failed:{run.run_id}",
        kind="run_failed",
        severity="ERROR",
        title=f"{run.job_name} run failed",
        text=f"{run.job_name} run {run.run_id} failed: {error}"[:2000],
        run_id=run.run_id,
        run_url=settings.run_url(run.run_id),
    )
    now = time.monotonic()
    down = {target for target, since in _down_since.items() if now - since < _DOWN_FOR_SECONDS}
    entry = _entry(alert, settings)
    result = deliver_all(context.log, context.instance, [entry], settings, down=down)
    _down_since.update({target: now for target in result.down - down})
    if result.pending:
        _put_outbox(context.instance, result.pending)


ALERT_SENSORS = [
    orphans_check_failure_alert_sensor,
    orphans_new_quarantine_alert_sensor,
    orphans_freshness_alert_sensor,
    orphans_run_failure_alert_sensor,
]
