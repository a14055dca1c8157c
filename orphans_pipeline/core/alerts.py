"""Alerts: what they say, where they go (a Slack-compatible webhook and/or e-mail), and the
registry queries the alert sensors read. No Dagster here: the sensors decide when to alert.

Delivery never raises and never waits long: one attempt per target with a short timeout, and
the error of a failed one is reported back, so the caller (a sensor tick, which Dagster cuts off
after 60 s) can keep the alert for a later tick instead of retrying inside the tick.
"""

import json
import logging
import smtplib
import urllib.request
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Engine

from orphans_pipeline.core import sql
from orphans_pipeline.core.vocabulary import AssetName

LOG = logging.getLogger(__name__)
MAX_DRIVER_IDS = 20


@dataclass(frozen=True)
class Alert:
    """One alert: `key` identifies what it is about, so it is never sent twice."""

    key: str
    kind: str  # check_failed | new_quarantined | stale | run_failed
    severity: str  # ERROR | WARN
    title: str
    text: str
    check: str | None = None
    count: int = 0
    driver_ids: list[str] = field(default_factory=list)
    run_id: str | None = None
    run_url: str | None = None
    # The asset the alert is about: its delivery outcomes are recorded there, for the UI.
    asset_key: str = AssetName.DRIVER_ORPHAN_QUARANTINE.value

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        lines = [f"[{self.severity}] {self.title}", self.text]
        if self.driver_ids:
            more = (
                f" (+{self.count - len(self.driver_ids)} more)"
                if self.count > len(self.driver_ids)
                else ""
            )
            lines.append(f"drivers: {', '.join(self.driver_ids)}{more}")
        if self.run_url:
            lines.append(f"run: {self.run_url}")
        return "\n".join(lines)


@dataclass(frozen=True)
class AlertSettings:
    webhook_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "orphans-pipeline@localhost"
    smtp_to: tuple[str, ...] = ()
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    dagster_ui_url: str = "http://127.0.0.1:3000"
    # Short, so that every target down at once still fits in one sensor tick.
    timeout_seconds: float = 5.0

    @classmethod
    def parse(cls, values: Mapping[str, str | None]) -> "AlertSettings":
        """The settings from the text of their variables (README, Environment), by name; an
        absent or empty one takes its default. The Dagster resource `AlertTargets` passes what
        Dagster resolved; nothing here reads the environment."""
        env = {name: value for name, value in values.items() if value}
        to = env.get("ORPHANS_ALERT_EMAIL_TO", "")
        recipients = tuple(address.strip() for address in to.split(",") if address.strip())
        return cls(
            webhook_url=env.get("ORPHANS_ALERT_WEBHOOK_URL"),
            smtp_host=env.get("ORPHANS_ALERT_SMTP_HOST"),
            smtp_port=_port(env, "ORPHANS_ALERT_SMTP_PORT", cls.smtp_port),
            smtp_from=env.get("ORPHANS_ALERT_EMAIL_FROM") or cls.smtp_from,
            smtp_to=recipients,
            smtp_user=env.get("ORPHANS_ALERT_SMTP_USER"),
            smtp_password=env.get("ORPHANS_ALERT_SMTP_PASSWORD"),
            smtp_starttls=env.get("ORPHANS_ALERT_SMTP_STARTTLS", "").lower() in ("1", "true"),
            dagster_ui_url=(env.get("ORPHANS_DAGSTER_UI_URL") or cls.dagster_ui_url).rstrip("/"),
            timeout_seconds=_positive(env, "ORPHANS_ALERT_TIMEOUT_SECONDS", cls.timeout_seconds),
        )

    @property
    def targets(self) -> list[str]:
        found = ["webhook"] if self.webhook_url else []
        if self.smtp_host and self.smtp_to:
            found.append("email")
        return found

    def run_url(self, run_id: str) -> str:
        return f"{self.dagster_ui_url}/runs/{run_id}"


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    if not raw.strip().isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"{name}={raw!r}: expected a port number (1 to 65535)")
    return int(raw)


DEFAULT_FRESHNESS_DAYS = 8.0


def parse_freshness_days(raw: str | None) -> float:
    """ORPHANS_FRESHNESS_DAYS: how old the last successful execute may be (default 8 days)."""
    if not raw:
        return DEFAULT_FRESHNESS_DAYS
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise ValueError(f"ORPHANS_FRESHNESS_DAYS={raw!r}: expected a positive number of days")
    return value


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= 60:
        raise ValueError(f"{name}={raw!r}: expected a number of seconds in (0, 60]")
    return value


def webhook_payload(alert: Alert) -> dict[str, Any]:
    """Slack's incoming-webhook shape (`text` + `blocks`), with the alert's fields as data."""
    return {
        "text": alert.summary(),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": alert.title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": alert.summary()[:3000]}},
        ],
        "alert": alert.as_dict(),
    }


def send_webhook(alert: Alert, settings: AlertSettings) -> None:
    assert settings.webhook_url
    request = urllib.request.Request(
        settings.webhook_url,
        data=json.dumps(webhook_payload(alert)).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=settings.timeout_seconds) as response:
        if response.status >= 300:
            raise OSError(f"webhook answered {response.status}")


def send_email(alert: Alert, settings: AlertSettings) -> None:
    assert settings.smtp_host
    message = EmailMessage()
    message["Subject"] = f"[orphans {alert.severity}] {alert.title}"
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(settings.smtp_to)
    message.set_content(alert.summary() + "\n\n" + json.dumps(alert.as_dict(), indent=2))
    server = (settings.smtp_host, settings.smtp_port)
    with smtplib.SMTP(*server, timeout=settings.timeout_seconds) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)


SENDERS = {"webhook": send_webhook, "email": send_email}


def attempt(alert: Alert, settings: AlertSettings, target: str) -> str | None:
    """Send `alert` to `target` once; None when delivered, else the error, for the record."""
    try:
        SENDERS[target](alert, settings)
    except Exception as exc:  # any failure of the far end: reported, kept for a later attempt
        LOG.warning("alert %s to %s not delivered: %s", alert.key, target, exc)
        return f"{type(exc).__name__}: {exc}"[:500]
    return None


# --- what the sensors read --------------------------------------------------------------------


def finished_executes(
    engine: Engine, after: datetime, after_run_id: str = "", max_runs: int = 50
) -> list[dict[str, Any]]:
    """Executes closed after (`after`, `after_run_id`), with the drivers each newly quarantined."""
    with engine.connect() as conn:
        rows = sql.run(
            conn,
            "alerts/select_finished_executes",
            after=after,
            after_run_id=after_run_id,
            max_runs=max_runs,
            max_ids=MAX_DRIVER_IDS,
        ).mappings()
        return [dict(row) for row in rows]


def last_successful_execute(engine: Engine) -> tuple[datetime | None, str | None]:
    with engine.connect() as conn:
        row = sql.run(conn, "alerts/select_last_successful_execute").mappings().one()
    return row["finished_at"], row["run_id"]
