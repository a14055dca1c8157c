"""Prevention: no new driver link without a lead link for its person.

The database guard is a constraint trigger checked at commit (migration 0002) whose mode, one
row of `orphans.driver_link_guard` that only an owner may change (revision 0012), is enforce
(refused), record (accepted and recorded in `orphans.recorded_driver_links`) or off; this module
reads and sets that mode, and is the guard's Python side for code that writes driver links.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from orphans_pipeline.core import sql

GUARD_MODES = ("enforce", "record", "off")
EPOCH = datetime(1970, 1, 1)


class DriverWithoutLead(ValueError):
    """A driver link was refused because its person has no lead link."""


class InvalidGuardMode(ValueError):
    """A guard mode that is not enforce, record or off."""


@dataclass(frozen=True)
class GuardState:
    mode: str
    changed_at: datetime
    changed_by: str
    recorded: int
    recorded_since: int


def guard_state(engine: Engine, since: datetime | None = None) -> GuardState | None:
    """The guard's mode, who set it when, and the links it recorded (in all, and since
    `since`); None on a database before revision 0012."""
    with engine.connect() as conn:
        row = (
            sql.run(conn, "guard/select_driver_link_guard", since=since or EPOCH).mappings().first()
        )
    return GuardState(**row) if row else None


def set_guard_mode(engine: Engine, mode: str) -> str:
    """Set the guard's mode (an owner's act: no role may); return the mode it had."""
    if mode not in GUARD_MODES:
        raise InvalidGuardMode(f"guard mode {mode!r}: use {', '.join(GUARD_MODES)}")
    with engine.begin() as conn:
        return str(sql.run(conn, "guard/update_driver_link_guard_mode", mode=mode).scalar_one())


def recorded_driver_links(engine: Engine, since: datetime | None) -> tuple[int, list[str]]:
    """How many driver links the guard recorded without a lead link since `since` (ever, when
    None), and up to 20 of their driver ids."""
    with engine.connect() as conn:
        row = (
            sql.run(conn, "guard/select_recorded_driver_links", since=since or EPOCH)
            .mappings()
            .one()
        )
    return int(row["recorded"]), list(row["driver_ids"])


@contextmanager
def legacy_orphan_links(conn: Connection) -> Iterator[None]:
    """Write driver links whose person has no lead link inside this block: an owner's act, for
    demo data and test fixtures (legacy orphans are what they need). The guard's trigger is off
    for the statements inside and back on before the transaction commits, the table locked
    meanwhile; operators switch the guard with its mode (`orphans-pipeline db guard`)."""
    sql.run(conn, "guard/disable_driver_link_guard_trigger")
    yield
    sql.run(conn, "guard/enable_driver_link_guard_trigger")


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
