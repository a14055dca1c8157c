"""Step 6: prove it. The integrity query of domain.md and the leak and audit-trail checks."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from orphans_pipeline.core import settings, sql


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    count: int
    driver_ids: list[str]
    details: dict[str, Any] = field(default_factory=dict)


def _check(engine: Engine, name: str, count_column: str, **params: Any) -> CheckResult:
    with engine.connect() as conn:
        row = sql.run(conn, name, **params).mappings().one()
    details = {k: v for k, v in row.items() if k not in (count_column, "driver_ids")}
    count = int(row[count_column])
    return CheckResult(count == 0, count, list(row["driver_ids"]), details)


def count_operational_orphans(engine: Engine) -> CheckResult:
    """Driver links whose person has no lead link and that are not quarantined: must be 0."""
    return _check(engine, "checks/count_operational_orphans", "orphans")


def count_ops_view_leaks(engine: Engine, ct4_view_seconds: float | None = None) -> CheckResult:
    """Quarantined or purged drivers visible in any view of ops or observational with a
    driver_id, CT4's own included (the quarantine list aside): must be 0. `per_view` names
    each view that shows one.

    Each view is read in a statement of its own. One of CT4's views may cost more than linear
    time to read (its correlated subqueries: minutes at 100,000 drivers), so each of CT4's gets
    `ct4_view_seconds` (ORPHANS_LEAK_CHECK_VIEW_SECONDS): one not read in time is listed in
    `unverified`, and so is, unread, one of CT4's built on it; the check then does not pass.
    A view whose definition proves it (`proven`: orphans.views_proven_by_definition) is not
    read: one of CT4's the project gave the operational filter, or one of the project's own,
    which take their drivers from ops.v_operational_drivers (always read). Such a view is read
    after all when a view it reads shows an excluded driver."""
    budget = settings.leak_check_view_seconds() if ct4_view_seconds is None else ct4_view_seconds
    per_view: dict[str, int] = {}
    unverified: list[str] = []
    proven: list[str] = []
    driver_ids: set[str] = set()
    with engine.connect() as conn:
        views = list(sql.run(conn, "checks/select_leak_check_views").mappings())
        conn.rollback()
        for view in views:
            name = str(view["view_name"])
            # A view's proof holds while every view it reads shows no excluded driver.
            if view["proven"] and not set(view["reads"] or ()) & (set(per_view) | set(unverified)):
                proven.append(name)
                continue
            if view["is_ct4"] and set(view["reads"] or ()) & set(unverified):
                unverified.append(name)  # built on a view too slow to read: as slow
                continue
            # A read-only transaction per view, rolled back: it also ends the time budget.
            transaction = conn.begin()
            try:
                milliseconds = int(budget * 1000) if view["is_ct4"] else 0
                sql.run(conn, "session/set_statement_timeout", milliseconds=milliseconds)
                row = sql.run(conn, "checks/count_view_leaks", view_name=name).one()
            except OperationalError as exc:
                transaction.rollback()
                if getattr(exc.orig, "sqlstate", None) != "57014":  # query_canceled
                    raise
                unverified.append(name)
                continue
            transaction.rollback()
            if row.leaks:
                per_view[name] = int(row.leaks)
                driver_ids.update(row.driver_ids or [])
    count = sum(per_view.values())
    details: dict[str, Any] = {"per_view": per_view, "views": len(views), "proven": proven}
    if unverified:
        details["unverified"] = unverified
    return CheckResult(count == 0 and not unverified, count, sorted(driver_ids)[:20], details)


def count_quarantine_audit_gaps(engine: Engine) -> CheckResult:
    """Quarantine rows without reason, creation_rule, evidence or a matching history row."""
    return _check(engine, "checks/count_quarantine_audit_gaps", "gaps")


def count_recorded_driver_links(engine: Engine, run_id: str) -> CheckResult:
    """Driver links the guard (record mode) let in without a lead link since the last
    successful execute before `run_id`: should be 0 once CT4's ingestion writes leads first."""
    return _check(engine, "checks/count_recorded_driver_links", "recorded", run_id=run_id)


def count_quarantine_by_status(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = sql.run(conn, "checks/count_quarantine_by_status").mappings().all()
    return {str(row["status"]): int(row["rows"]) for row in rows}
