"""Alert sensors on a real PostgreSQL-backed Dagster instance, delivering to an HTTP receiver
and an SMTP sink on 127.0.0.1: each alert, none for a dry run, never twice, retries, freshness."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import Engine, text

from orphans_pipeline.core import demo
from orphans_pipeline.defs.alerts import (
    orphans_check_failure_alert_sensor,
    orphans_freshness_alert_sensor,
    orphans_new_quarantine_alert_sensor,
)
from orphans_pipeline.defs.launch import LaunchOutcome, launch_fix_job
from orphans_pipeline.defs.resources import CT4Database
from orphans_pipeline_tests.conftest import url_of
from orphans_pipeline_tests.ct4 import CT4
from orphans_pipeline_tests.receivers import SmtpSink, WebhookReceiver, running


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookReceiver]:
    with running(WebhookReceiver()) as receiver:
        monkeypatch.setenv("ORPHANS_ALERT_WEBHOOK_URL", receiver.url)
        monkeypatch.setenv("ORPHANS_ALERT_RETRY_PAUSE_SECONDS", "0.01")
        monkeypatch.setenv("ORPHANS_DAGSTER_UI_URL", "http://dagster.example:3000")
        yield receiver


@pytest.fixture
def ct4_db(
    fresh_engine: Engine, dagster_home: Path, reports_root: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    demo.load_demo_data(fresh_engine, 300, seed=8)
    monkeypatch.setenv("DATABASE_URL", url_of(fresh_engine))
    yield fresh_engine


@pytest.fixture
def instance(ct4_db: Engine) -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.get() as active:
        yield active


def fix_run(instance: dg.DagsterInstance, execute: bool, limit: int | None = None) -> LaunchOutcome:
    return launch_fix_job(execute=execute, limit=limit, output_dir=None, instance=instance)


class Ticks:
    """Evaluates one sensor tick after another, carrying its cursor as the daemon does."""

    def __init__(self, sensor: Any, instance: dg.DagsterInstance, engine: Engine) -> None:
        self.sensor, self.instance, self.engine = sensor, instance, engine
        self.cursor: str | None = None

    def tick(self) -> str:
        context = dg.build_sensor_context(
            instance=self.instance,
            cursor=self.cursor,
            resources={"ct4": CT4Database(database_url=url_of(self.engine))},
        )
        result = self.sensor(context)
        self.cursor = context.cursor
        return str(result.skip_message)


def inject_orphans(engine: Engine, *driver_ids: str) -> None:
    data = CT4(engine)
    for driver_id in driver_ids:
        data.driver(driver_id)


def test_error_check_failure_alerts_once_with_drivers_and_run_link(
    ct4_db: Engine, instance: dg.DagsterInstance, webhook: WebhookReceiver
) -> None:
    ticks = Ticks(orphans_check_failure_alert_sensor, instance, ct4_db)
    assert fix_run(instance, execute=True).succeeded
    ticks.tick()
    assert webhook.payloads == []  # every check passed

    inject_orphans(ct4_db, "INJECTED-1", "INJECTED-2")
    failed = fix_run(instance, execute=True, limit=1)  # leaves INJECTED-2 operational
    assert not failed.succeeded
    ticks.tick()
    [payload] = webhook.payloads
    alert = payload["alert"]
    assert (alert["kind"], alert["severity"], alert["check"]) == (
        "check_failed",
        "ERROR",
        "no_operational_orphans",
    )
    assert (alert["count"], alert["driver_ids"]) == (1, ["INJECTED-2"])
    assert alert["run_id"] == failed.run_id
    assert alert["run_url"] == f"http://dagster.example:3000/runs/{failed.run_id}"
    assert "no_operational_orphans" in payload["text"] and "INJECTED-2" in payload["text"]
    assert payload["blocks"][0]["type"] == "header"

    ticks.tick()
    fix_run(instance, execute=False)  # a dry run evaluates no check
    ticks.tick()
    assert len(webhook.payloads) == 1


def test_warn_check_failure_alerts_though_the_run_succeeds(
    ct4_db: Engine, instance: dg.DagsterInstance, webhook: WebhookReceiver
) -> None:
    ticks = Ticks(orphans_check_failure_alert_sensor, instance, ct4_db)
    data = CT4(ct4_db)
    # A purged row written behind the pipeline's back, with no history: an audit gap that no
    # run repairs (a purged driver is never a candidate again).
    data.quarantine("GAP-1", data.driver("GAP-1", link=False), status="purged", history=False)
    outcome = fix_run(instance, execute=True)
    assert outcome.succeeded and outcome.checks["quarantine_has_audit_trail"] is False
    ticks.tick()
    [payload] = webhook.payloads
    assert (payload["alert"]["check"], payload["alert"]["severity"]) == (
        "quarantine_has_audit_trail",
        "WARN",
    )
    assert "GAP-1" in payload["alert"]["driver_ids"]


def test_alerts_go_by_email_too(
    ct4_db: Engine, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running(SmtpSink()) as sink:
        monkeypatch.setenv("ORPHANS_ALERT_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("ORPHANS_ALERT_SMTP_PORT", str(sink.port))
        monkeypatch.setenv("ORPHANS_ALERT_EMAIL_TO", "ops@ct4.example, data@ct4.example")
        ticks = Ticks(orphans_new_quarantine_alert_sensor, instance, ct4_db)
        ticks.tick()
        outcome = fix_run(instance, execute=True)
        ticks.tick()
        [message] = sink.messages
    assert message["To"] == "ops@ct4.example, data@ct4.example"
    assert "newly quarantined" in message["Subject"]
    assert outcome.run_id in message.get_payload()


def test_new_quarantined_drivers_alert_after_an_execute_only(
    ct4_db: Engine, instance: dg.DagsterInstance, webhook: WebhookReceiver
) -> None:
    ticks = Ticks(orphans_new_quarantine_alert_sensor, instance, ct4_db)
    fix_run(instance, execute=False)
    ticks.tick()
    assert webhook.payloads == []  # a dry run quarantines no one

    first = fix_run(instance, execute=True)
    ticks.tick()
    [payload] = webhook.payloads
    with ct4_db.connect() as conn:
        expected = conn.execute(
            text(
                "select count(*) from canon.driver_orphan_quarantine_history "
                "where run_id = :run and to_status = 'quarantined' "
                "and from_status is distinct from 'quarantined'"
            ),
            {"run": first.run_id},
        ).scalar_one()
    assert payload["alert"]["count"] == expected > 0
    assert len(payload["alert"]["driver_ids"]) == min(20, expected)
    assert payload["alert"]["run_id"] == first.run_id

    fix_run(instance, execute=True)  # nothing new to quarantine
    ticks.tick()
    inject_orphans(ct4_db, "NEW-ORPHAN")
    third = fix_run(instance, execute=True)
    ticks.tick()
    ticks.tick()
    assert [p["alert"]["run_id"] for p in webhook.payloads] == [first.run_id, third.run_id]
    assert webhook.payloads[1]["alert"]["driver_ids"] == ["NEW-ORPHAN"]


def test_freshness_alerts_once_when_the_last_execute_is_over_8_days_old(
    ct4_db: Engine, instance: dg.DagsterInstance, webhook: WebhookReceiver
) -> None:
    ticks = Ticks(orphans_freshness_alert_sensor, instance, ct4_db)
    outcome = fix_run(instance, execute=True)
    ticks.tick()
    assert webhook.payloads == []
    with ct4_db.begin() as conn:
        conn.execute(
            text("update orphans.runs set finished_at = now() - interval '9 days'"),
        )
    ticks.tick()
    ticks.tick()
    [payload] = webhook.payloads
    assert (payload["alert"]["kind"], payload["alert"]["count"]) == ("stale", 9)
    assert payload["alert"]["run_id"] == outcome.run_id

    fix_run(instance, execute=True)  # fresh again
    ticks.tick()
    assert len(webhook.payloads) == 1


def test_freshness_counts_from_the_first_look_when_no_execute_ever_ran(
    ct4_db: Engine, instance: dg.DagsterInstance, webhook: WebhookReceiver
) -> None:
    ticks = Ticks(orphans_freshness_alert_sensor, instance, ct4_db)
    ticks.tick()
    assert webhook.payloads == []
    ten_days_ago = (datetime.now(UTC) - timedelta(days=10)).isoformat()
    ticks.cursor = f'{{"position": {{"first_seen": "{ten_days_ago}"}}, "pending": []}}'
    ticks.tick()
    [payload] = webhook.payloads
    assert payload["alert"]["title"] == "no successful orphans execute ever"


def test_a_failed_delivery_is_retried_and_never_breaks_the_sensor(
    ct4_db: Engine, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = Ticks(orphans_new_quarantine_alert_sensor, instance, ct4_db)
    ticks.tick()
    fix_run(instance, execute=True)
    # Three attempts per tick: the first tick's three all fail, the next tick's first succeeds.
    with running(WebhookReceiver(fail_first=3)) as flaky:
        monkeypatch.setenv("ORPHANS_ALERT_WEBHOOK_URL", flaky.url)
        monkeypatch.setenv("ORPHANS_ALERT_RETRY_PAUSE_SECONDS", "0.01")
        assert "1 waiting for a retry" in ticks.tick()
        assert flaky.payloads == [] and flaky.requests == 3
        assert "0 waiting for a retry" in ticks.tick()
        assert len(flaky.payloads) == 1 and flaky.requests == 4
        ticks.tick()
        assert len(flaky.payloads) == 1
    # A receiver that is gone: logged and kept for later, the sensor still answers.
    monkeypatch.setenv("ORPHANS_ALERT_WEBHOOK_URL", "http://127.0.0.1:9/gone")
    inject_orphans(ct4_db, "LATE-ORPHAN")
    fix_run(instance, execute=True)
    assert "1 waiting for a retry" in ticks.tick()
