"""Prevention: no new driver link without a lead link for its person.

The database guard is a constraint trigger checked at commit (migration 0002); this module is
its Python side, for code that writes driver links.
"""

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from orphans_pipeline.core import sql


class DriverWithoutLead(ValueError):
    """A driver link was refused because its person has no lead link."""


def allow_orphan_links_in_transaction(conn: Connection) -> None:
    """Switch the guard off until this transaction ends (demo data, test fixtures)."""
    sql.run(conn, "guard/disable_driver_link_guard_locally")


def set_history_context(
    conn: Connection,
    *,
    actor: str,
    run_id: str | None = None,
    notes: str | None = None,
    evidence: str | None = None,
) -> None:
    """Name who makes this transaction's quarantine changes, for the history trigger (0006).

    The database writes the history row of every change of status or reason and refuses one
    with no actor; `notes` and `evidence` (JSON text) left out, it takes a run's planned notes
    and the row's evidence.
    """
    sql.run(
        conn,
        "guard/set_history_context",
        actor=actor,
        run_id=run_id,
        notes=notes,
        evidence=evidence,
    )


def ensure_driver_identity_link(
    conn: Connection,
    *,
    driver_id: str,
    person_key: str,
    match_rule: str,
    match_score: int = 100,
    confidence_level: str = "HIGH",
    evidence: dict[str, Any] | None = None,
    snapshot_date: datetime | None = None,
) -> int:
    """Link a driver to its person, refusing when the person has no lead link.

    Write the lead link first, in the same transaction; the database guard checks the same rule
    again at commit.
    """
    has_lead = sql.run(
        conn, "guard/select_person_has_lead_link", person_key=person_key
    ).scalar_one()
    if not has_lead:
        raise DriverWithoutLead(
            f"driver link refused: driver {driver_id!r} (person {person_key}) has no lead link; "
            "a driver may exist only if it came from a lead. Link the lead to the person first."
        )
    return int(
        sql.run(
            conn,
            "guard/insert_driver_link",
            driver_id=driver_id,
            person_key=person_key,
            snapshot_date=snapshot_date,
            match_rule=match_rule,
            match_score=match_score,
            confidence_level=confidence_level,
            evidence=json.dumps(evidence or {}),
        ).scalar_one()
    )
