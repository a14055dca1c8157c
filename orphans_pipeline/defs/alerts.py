"""Alert sensors: open-source Dagster has no alert policies, so these bring their own.

Each sensor keeps a JSON cursor: how far it has read, and the alerts whose delivery failed, which
it retries on the next ticks. An event is read once, so it is never alerted twice; a dry run
evaluates no check and closes no execute, so it never alerts.
"""

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg

from orphans_pipeline.core import alerts
from orphans_pipeline.defs.resources import CT4Database

CHECKS = {
    "no_operational_orphans",
    "ops_views_exclude_quarantined_drivers",
    "quarantine_has_audit_trail",
}
# On its very first tick a sensor looks back this far, not over the whole history.
FIRST_LOOKBACK = timedelta(days=1)
# An alert that still fails after this many ticks is given up (and logged).
MAX_TICKS_PER_ALERT = 5
EVENTS_PER_TICK = 200


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


def _send(
    context: dg.SensorEvaluationContext,
    cursor: Cursor,
    new: list[alerts.Alert],
    settings: alerts.AlertSettings,
) -> dg.SkipReason:
    """Deliver the new alerts and retry the pending ones; save what still fails in the cursor."""
    queue = [(entry["alert"], entry["targets"], entry["ticks"]) for entry in cursor.pending]
    queue += [(alert.as_dict(), settings.targets, 0) for alert in new]
    pending, sent = [], 0
    for alert_data, targets, ticks in queue:
        alert = alerts.Alert(**alert_data)
        context.log.info(alert.summary())
        failed = alerts.deliver(alert, settings, targets)
        sent += not failed
        if failed and ticks + 1 < MAX_TICKS_PER_ALERT:
            pending.append({"alert": alert_data, "targets": failed, "ticks": ticks + 1})
        elif failed:
            context.log.error(f"alert {alert.key} given up after {MAX_TICKS_PER_ALERT} ticks")
    cursor.pending = pending
    context.update_cursor(cursor.dump())
    if not settings.targets and new:
        context.log.warning(
            "no alert target is configured (ORPHANS_ALERT_WEBHOOK_URL or ORPHANS_ALERT_SMTP_HOST "
            "with ORPHANS_ALERT_EMAIL_TO): the alerts above went to this log only"
        )
    return dg.SkipReason(
        f"{len(new)} new alert(s), {sent} delivered, {len(pending)} waiting for a retry"
        if new or queue
        else "nothing to alert"
    )


def _metadata_value(metadata: Mapping[str, Any], key: str, default: Any) -> Any:
    value = metadata.get(key)
    return default if value is None else getattr(value, "value", value)


@dg.sensor(
    name="orphans_check_failure_alert_sensor",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description=(
        "Alerts on every failed evaluation of the orphans checks: ERROR checks (the run fails) "
        "and WARN checks (the run succeeds), with the count, up to 20 driver ids and the run."
    ),
)
def orphans_check_failure_alert_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    cursor = Cursor.load(context.cursor)
    settings = alerts.AlertSettings.from_env()
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
            )
        )
    return _send(context, cursor, new, settings)


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
    context: dg.SensorEvaluationContext, ct4: CT4Database
) -> dg.SkipReason:
    cursor = Cursor.load(context.cursor)
    settings = alerts.AlertSettings.from_env()
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
                    f"orphans_fix_job quarantined {count} driver(s) that were not quarantined "
                    "before: they are out of funnel, claims and payments until reviewed."
                ),
                count=count,
                driver_ids=list(run["driver_ids"]),
                run_id=run["run_id"],
                run_url=settings.run_url(run["run_id"]),
            )
        )
    return _send(context, cursor, new, settings)


def freshness_days() -> float:
    return float(os.environ.get("ORPHANS_FRESHNESS_DAYS") or 8)


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
    context: dg.SensorEvaluationContext, ct4: CT4Database
) -> dg.SkipReason:
    cursor = Cursor.load(context.cursor)
    settings = alerts.AlertSettings.from_env()
    now = datetime.now(UTC)
    # With no execute ever, the clock starts when the sensor first looked.
    cursor.position.setdefault("first_seen", now.isoformat())
    last, run_id = alerts.last_successful_execute(ct4.engine())
    reference = last or datetime.fromisoformat(cursor.position["first_seen"])
    key = f"stale:{last.isoformat() if last else 'never'}"
    limit = timedelta(days=freshness_days())
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


ALERT_SENSORS = [
    orphans_check_failure_alert_sensor,
    orphans_new_quarantine_alert_sensor,
    orphans_freshness_alert_sensor,
]
