"""Alert sensors on a real PostgreSQL-backed Dagster instance, delivering to an HTTP receiver
and an SMTP sink on 127.0.0.1: each alert, none for a dry run, never twice, retries within the
tick (a hanging target), failed runs, freshness, and every outcome recorded on the asset."""

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import Engine, text

from orphans_pipeline import cli
from orphans_pipeline.core import demo, guard
from orphans_pipeline.definitions import build_definitions
from orphans_pipeline.defs import alerts as alert_sensors
from orphans_pipeline.defs.alerts import (
    orphans_check_failure_alert_sensor,
    orphans_freshness_alert_sensor,
    orphans_new_quarantine_alert_sensor,
    orphans_run_failure_alert_sensor,
)
from orphans_pipeline.defs.resources import AlertTargets, CT4Database
from orphans_pipeline.launch import LaunchOutcome, launch_fix_job
from orphans_pipeline_tests.conftest import url_of
from orphans_pipeline_tests.ct4 import CT4
from orphans_pipeline_tests.receivers import SmtpSink, WebhookReceiver, running


@pytest.fixture(autouse=True)
def no_target_known_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """The run-failure sensor remembers, per process, which targets just failed."""
    monkeypatch.setattr(alert_sensors, "_down_since", {})


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookReceiver]:
    with running(WebhookReceiver()) as receiver:
        monkeypatch.setenv("ORPHANS_ALERT_WEBHOOK_URL", receiver.url)
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
            resources={
                "ct4": CT4Database(database_url=url_of(self.engine)),
                # As the code location gives it: the variables the test set, as EnvVars.
                "alert_targets": AlertTargets.from_environment(),
            },
        )
        result = self.sensor(context)
        self.cursor = context.cursor
        return str(result.skip_message)


def recorded(instance: dg.DagsterInstance, asset: str) -> list[tuple[str, str, str]]:
    """(alert key, target, outcome) of each alert recorded on `asset`, oldest first."""
    records = instance.fetch_observations(dg.AssetKey(asset), limit=1000, ascending=True).records
    found = []
    for record in records:
        observation = record.asset_observation
        if observation and "outcome" in observation.metadata:
            metadata = {key: value.value for key, value in observation.metadata.items()}
            found.append((str(metadata["alert_key"]), metadata["target"], metadata["outcome"]))
    return found


def failure_tick(instance: dg.DagsterInstance, run_id: str) -> None:
    """Evaluate the run-failure sensor on the failure of `run_id`, as the daemon would."""
    [failure] = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.RUN_FAILURE
    ).records
    context = dg.build_run_status_sensor_context(
        sensor_name=orphans_run_failure_alert_sensor.name,
        dagster_event=failure.event_log_entry.dagster_event,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(run_id),
        resources={"alert_targets": AlertTargets.from_environment()},
    ).for_run_failure()
    orphans_run_failure_alert_sensor(context)


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
    assert recorded(instance, "ops_views") == [(alert["key"], "webhook", "delivered")]
    failure_tick(instance, failed.run_id)  # the check's alert says it all: no second one
    assert len(webhook.payloads) == 1

    ticks.tick()
    fix_run(instance, execute=False)  # a dry run evaluates no check
    ticks.tick()
    assert len(webhook.payloads) == 1


def test_warn_check_failure_alerts_though_the_run_succeeds(
    ct4_db: Engine, instance: dg.DagsterInstance, webhook: WebhookReceiver
) -> None:
    ticks = Ticks(orphans_check_failure_alert_sensor, instance, ct4_db)
    data = CT4(ct4_db)
    # A purged row whose history an owner ended by hand in another status: an audit gap that no
    # run repairs (a purged driver is never a candidate again, and a row with a history is not
    # adopted again).
    data.quarantine("GAP-1", data.driver("GAP-1", link=False), status="purged")
    with ct4_db.begin() as conn:
        conn.execute(
            text(
                "insert into canon.driver_orphan_quarantine_history (driver_id, from_status, "
                "to_status, actor) values ('GAP-1', 'purged', 'quarantined', 'an owner')"
            )
        )
    outcome = fix_run(instance, execute=True)
    assert outcome.succeeded and outcome.checks["quarantine_has_audit_trail"] is False
    ticks.tick()
    [payload] = webhook.payloads
    assert (payload["alert"]["check"], payload["alert"]["severity"]) == (
        "quarantine_has_audit_trail",
        "WARN",
    )
    assert "GAP-1" in payload["alert"]["driver_ids"]


def test_driver_links_the_guard_recorded_alert_as_a_warning(
    ct4_db: Engine, instance: dg.DagsterInstance, webhook: WebhookReceiver
) -> None:
    """With the guard in record mode, CT4's ingestion pattern (a new person and a driver_direct
    link, no lead) is accepted and recorded; the next execute quarantines the driver and its
    WARN check names it; the check sensor alerts once."""
    ticks = Ticks(orphans_check_failure_alert_sensor, instance, ct4_db)
    guard.set_guard_mode(ct4_db, "record")
    data = CT4(ct4_db)
    person = data.person()
    with ct4_db.begin() as conn:
        conn.execute(
            text(
                "insert into canon.identity_links (person_key, source_table, source_pk, "
                "snapshot_date, match_rule, match_score, confidence_level) values "
                "(:person, 'drivers', 'INGESTED-1', now(), 'driver_direct', 100, 'HIGH')"
            ),
            {"person": person},
        )
    outcome = fix_run(instance, execute=True)
    assert outcome.succeeded
    assert outcome.checks["no_driver_links_recorded_without_lead"] is False
    assert data.quarantine_row("INGESTED-1")["status"] == "quarantined"  # type: ignore[index]
    ticks.tick()
    [payload] = webhook.payloads
    assert (payload["alert"]["check"], payload["alert"]["severity"]) == (
        "no_driver_links_recorded_without_lead",
        "WARN",
    )
    assert payload["alert"]["driver_ids"] == ["INGESTED-1"]
    # The next execute has nothing new to say.
    assert fix_run(instance, execute=True).checks["no_driver_links_recorded_without_lead"]


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


def test_a_failed_delivery_is_retried_on_the_next_tick_and_recorded(
    ct4_db: Engine, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = Ticks(orphans_new_quarantine_alert_sensor, instance, ct4_db)
    ticks.tick()
    run = fix_run(instance, execute=True)
    key = f"quarantined:{run.run_id}"
    # One attempt per tick: the first tick's fails, the next tick's succeeds.
    with running(WebhookReceiver(fail_first=1)) as flaky:
        monkeypatch.setenv("ORPHANS_ALERT_WEBHOOK_URL", flaky.url)
        assert "1 waiting for a retry" in ticks.tick()
        assert flaky.payloads == [] and flaky.requests == 1
        assert "0 waiting for a retry" in ticks.tick()
        assert len(flaky.payloads) == 1 and flaky.requests == 2
        ticks.tick()
        assert len(flaky.payloads) == 1 and flaky.requests == 2
    assert recorded(instance, "driver_orphan_quarantine") == [
        (key, "webhook", "failed"),
        (key, "webhook", "delivered"),
    ]
    # A receiver that is gone: recorded and kept for later, the sensor still answers.
    monkeypatch.setenv("ORPHANS_ALERT_WEBHOOK_URL", "http://127.0.0.1:9/gone")
    inject_orphans(ct4_db, "LATE-ORPHAN")
    fix_run(instance, execute=True)
    assert "1 waiting for a retry" in ticks.tick()


def test_a_hanging_target_costs_one_timeout_per_tick_and_the_healthy_one_gets_each_alert_once(
    ct4_db: Engine, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORPHANS_ALERT_TIMEOUT_SECONDS", "0.5")
    monkeypatch.setenv("ORPHANS_DAGSTER_UI_URL", "http://127.0.0.1:3111")
    ticks = Ticks(orphans_new_quarantine_alert_sensor, instance, ct4_db)
    with running(WebhookReceiver(hang=True)) as hanging, running(SmtpSink()) as sink:
        monkeypatch.setenv("ORPHANS_ALERT_WEBHOOK_URL", hanging.url)
        monkeypatch.setenv("ORPHANS_ALERT_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("ORPHANS_ALERT_SMTP_PORT", str(sink.port))
        monkeypatch.setenv("ORPHANS_ALERT_EMAIL_TO", "ops@ct4.example")
        ticks.tick()
        first = fix_run(instance, execute=True)
        assert "1 delivered, 1 failed" in ticks.tick()
        inject_orphans(ct4_db, "SECOND-ORPHAN")
        second = fix_run(instance, execute=True)
        # The pending alert's retry times out; the new one is not even tried on the webhook
        # this tick (it is down), but goes by e-mail at once.
        message = ticks.tick()
        assert "1 delivered, 1 failed, 1 deferred" in message
        assert "2 waiting for a retry" in message
        for _ in range(3):
            ticks.tick()
        assert hanging.requests == 5  # one attempt per tick, whatever the number of alerts
        assert hanging.payloads == []
        assert [m["Subject"].count("newly quarantined") for m in sink.messages] == [1, 1]
        assert [first.run_id in m.get_payload() for m in sink.messages] == [True, False]
        assert second.run_id in sink.messages[1].get_payload()
        assert "http://127.0.0.1:3111/runs/" in sink.messages[0].get_payload()
    with running(WebhookReceiver()) as healthy:
        monkeypatch.setenv("ORPHANS_ALERT_WEBHOOK_URL", healthy.url)
        assert "2 delivered" in ticks.tick()
        ticks.tick()
    assert [p["alert"]["run_id"] for p in healthy.payloads] == [first.run_id, second.run_id]
    assert len(sink.messages) == 2
    outcomes = recorded(instance, "driver_orphan_quarantine")
    first_key, second_key = f"quarantined:{first.run_id}", f"quarantined:{second.run_id}"
    assert [o for o in outcomes if o[1] == "email"] == [
        (first_key, "email", "delivered"),
        (second_key, "email", "delivered"),
    ]
    webhook_outcomes = [o for o in outcomes if o[1] == "webhook"]
    assert webhook_outcomes[-2:] == [
        (first_key, "webhook", "delivered"),
        (second_key, "webhook", "delivered"),
    ]
    assert {o[2] for o in webhook_outcomes[:-2]} == {"failed"}


def review_run(engine: Engine, instance: dg.DagsterInstance, driver_id: str) -> str:
    job = build_definitions(ct4=CT4Database(database_url=url_of(engine))).resolve_job_def(
        "orphans_review_job"
    )
    config = {"action": "purge", "driver_id": driver_id, "reviewer": "t", "execute": True}
    result = job.execute_in_process(
        run_config=config,
        instance=instance,
        raise_on_error=False,
    )
    assert not result.success
    return result.run_id


def test_a_failed_run_alerts_with_its_error_and_a_failed_delivery_is_retried(
    ct4_db: Engine,
    instance: dg.DagsterInstance,
    webhook: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_id = review_run(ct4_db, instance, "NOT-IN-QUARANTINE")
    failure_tick(instance, run_id)
    [payload] = webhook.payloads
    alert = payload["alert"]
    assert (alert["kind"], alert["severity"], alert["run_id"]) == ("run_failed", "ERROR", run_id)
    assert alert["title"] == "orphans_review_job run failed"
    assert "NOT-IN-QUARANTINE" in alert["text"] and "not in the quarantine table" in alert["text"]
    assert alert["run_url"] == f"http://dagster.example:3000/runs/{run_id}"
    assert recorded(instance, "driver_orphan_quarantine") == [
        (f"run_failed:{run_id}", "webhook", "delivered")
    ]

    # Undelivered: kept in the outbox, which the check sensor retries on its next tick.
    good_url = webhook.url
    monkeypatch.setenv("ORPHANS_ALERT_WEBHOOK_URL", "http://127.0.0.1:9/gone")
    second = review_run(ct4_db, instance, "ALSO-NOT-THERE")
    failure_tick(instance, second)
    # A burst of failures tries a target that just failed no more: one timeout, not one each.
    third = review_run(ct4_db, instance, "NOR-THIS-ONE")
    failure_tick(instance, third)
    checks = Ticks(orphans_check_failure_alert_sensor, instance, ct4_db)
    assert "1 failed, 1 deferred, 0 given up; 2 waiting for a retry" in checks.tick()
    monkeypatch.setenv("ORPHANS_ALERT_WEBHOOK_URL", good_url)
    assert "2 delivered" in checks.tick()
    checks.tick()
    assert [p["alert"]["run_id"] for p in webhook.payloads] == [run_id, second, third]
    assert recorded(instance, "driver_orphan_quarantine")[1:] == [
        (f"run_failed:{second}", "webhook", "failed"),
        (f"run_failed:{second}", "webhook", "failed"),
        (f"run_failed:{second}", "webhook", "delivered"),
        (f"run_failed:{third}", "webhook", "delivered"),
    ]


def test_an_alert_with_no_target_is_recorded_as_logged(
    ct4_db: Engine, instance: dg.DagsterInstance
) -> None:
    run_id = review_run(ct4_db, instance, "NOBODY")
    failure_tick(instance, run_id)
    assert recorded(instance, "driver_orphan_quarantine") == [
        (f"run_failed:{run_id}", "log", "logged")
    ]


class Served(Exception):
    """Raised instead of serving: where `ui` would serve, with which environment."""


@pytest.mark.parametrize(
    ("host", "preset", "expected"),
    [
        ("127.0.0.1", None, "http://127.0.0.1:3456"),
        ("0.0.0.0", None, "http://127.0.0.1:3456"),
        ("127.0.0.1", "https://dagster.ct4.example", "https://dagster.ct4.example"),
    ],
)
def test_the_ui_command_links_alerts_to_the_address_it_serves(
    dagster_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    host: str,
    preset: str | None,
    expected: str,
) -> None:
    from orphans_pipeline.api import ui_server

    if preset:
        monkeypatch.setenv("ORPHANS_DAGSTER_UI_URL", preset)
    else:
        monkeypatch.delenv("ORPHANS_DAGSTER_UI_URL", raising=False)

    def capture(bind: str, port: int) -> int:
        # The daemon the UI starts inherits this environment: the sensors link runs there.
        raise Served(bind, port, os.environ["ORPHANS_DAGSTER_UI_URL"])

    monkeypatch.setattr(ui_server, "serve", capture)
    with pytest.raises(Served) as ran:
        cli.main(["ui", "--host", host, "--port", "3456"])
    assert ran.value.args == (host, 3456, expected)
    with dg.build_resources({"alert_targets": AlertTargets.from_environment()}) as built:
        assert built.alert_targets.settings().run_url("R1") == f"{expected}/runs/R1"
