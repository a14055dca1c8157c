"""Step 6: prove it. The integrity query of domain.md and the leak and audit-trail checks."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from orphans_pipeline.core import sql


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


def count_ops_view_leaks(engine: Engine) -> CheckResult:
    """Quarantined or purged drivers visible in any view of ops or observational with a
    driver_id, CT4's own included (the quarantine list aside): must be 0. `per_view` names
    each view that shows one."""
    return _check(engine, "checks/count_ops_view_leaks", "leaks")


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
