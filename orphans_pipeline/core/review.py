"""Reviewers decide quarantined cases: relink, create the missing lead, purge, and undo.

Every action is one transaction under the pipeline's advisory lock (a review never interleaves
with a run), writes a history row naming the reviewer, and is refused whole with a clear
message when its request is invalid. A preview runs the very same statements and rolls back,
so it shows exactly what the action would do (sequences may advance; no row stays).
"""

import csv
import json
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from orphans_pipeline.core import guard, schema, sql
from orphans_pipeline.core.faults import crash_point
from orphans_pipeline.core.fix import DEFAULT_LOCK_WAIT_SECONDS
from orphans_pipeline.core.locking import lock_orphans_pipeline

ACTIONS = ("relink", "create-lead", "purge")
MAX_TEXT = 2000


class ReviewRefused(ValueError):
    """The request is invalid; nothing was written. The message says why."""


class ReviewNotFound(ReviewRefused):
    """The driver has no quarantine row (or no history): nothing to decide or show."""


class ReviewConflict(ReviewRefused):
    """The request is valid but the data has moved on since (the API answers 409)."""


# Actor names that are the pipeline's, or read as if they were: never a reviewer's.
RESERVED_ACTORS = frozenset(
    {"pipeline", "orphans_pipeline", "orphans-pipeline", "orphans pipeline", "system"}
)
# Control and format characters (newlines, escape sequences, bidirectional overrides): they
# could forge lines or hide text where names and notes are printed.
CONTROL_CATEGORIES = ("Cc", "Cf", "Zl", "Zp")


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(char) in CONTROL_CATEGORIES for char in text)


@dataclass
class ReviewOutcome:
    driver_id: str
    action: str
    executed: bool
    reviewer: str
    from_status: str
    to_status: str
    notes: str
    details: dict[str, Any] = field(default_factory=dict)
    history_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _clean(value: str | None, what: str, *, required: bool = True, plain: bool = False) -> str:
    """`value` stripped, or refused; `plain` text (names, notes) has no control characters."""
    text = (value or "").strip()
    if required and not text:
        raise ReviewRefused(f"{what} is empty")
    if len(text) > MAX_TEXT:
        raise ReviewRefused(f"{what} is longer than {MAX_TEXT} characters")
    if "\x00" in text:
        raise ReviewRefused(f"{what} contains a NUL character")
    if plain and has_control_characters(text):
        raise ReviewRefused(
            f"{what} contains a control character (a newline, tab, escape or format "
            "character): use plain text on one line"
        )
    return text


def _reviewer(value: str | None) -> str:
    name = _clean(value, "reviewer name", plain=True)
    if " ".join(name.lower().split()) in RESERVED_ACTORS:
        raise ReviewRefused(
            f"reviewer name {name!r} is reserved for the pipeline: use your own name"
        )
    return name


def _quarantine_row(conn: Connection, driver_id: str) -> dict[str, Any]:
    row = sql.run(conn, "review/select_quarantine_for_review", driver_id=driver_id).mappings()
    found = row.first()
    if found is None:
        raise ReviewNotFound(f"driver {driver_id!r} is not in the quarantine table")
    return dict(found)


def _require_quarantined(row: dict[str, Any], action: str) -> None:
    if row["status"] != "quarantined":
        raise ReviewRefused(
            f"{action} refused: driver {row['driver_id']!r} is {row['status']}, "
            "and reviews decide only quarantined drivers"
        )
    if row["person_key"] is None:
        raise ReviewRefused(
            f"{action} refused: driver {row['driver_id']!r} has no person in the registry"
        )


def _transition(
    conn: Connection,
    row: dict[str, Any],
    *,
    action: str,
    to_status: str,
    reviewer: str,
    notes: str,
    evidence: dict[str, Any],
) -> ReviewOutcome:
    """Move the row to `to_status`; the table's trigger appends the history row (0006) with the
    reviewer, notes and evidence named here. Return the outcome."""
    resolution = None if to_status == "quarantined" else f"{action} by {reviewer}: {notes}"
    guard.set_history_context(
        conn,
        actor=reviewer,
        notes=notes,
        evidence=json.dumps({"action": action, **evidence}, default=str),
    )
    sql.run(
        conn,
        "review/update_quarantine_status",
        driver_id=row["driver_id"],
        status=to_status,
        resolution_notes=resolution,
    )
    history_id = int(
        sql.run(conn, "review/select_latest_history_id", driver_id=row["driver_id"]).scalar_one()
    )
    return ReviewOutcome(
        row["driver_id"],
        action,
        False,
        reviewer,
        row["status"],
        to_status,
        notes,
        evidence,
        history_id,
    )


# --- the actions, on a connection inside the caller's transaction ------------------------------


def _relink(
    conn: Connection, driver_id: str, reviewer: str, notes: str, source_table: str, source_pk: str
) -> ReviewOutcome:
    row = _quarantine_row(conn, driver_id)
    _require_quarantined(row, "relink")
    source_table = _clean(source_table, "source_table")
    source_pk = _clean(source_pk, "source_pk")
    lead = (
        sql.run(
            conn, "review/select_lead_for_relink", source_table=source_table, source_pk=source_pk
        )
        .mappings()
        .one()
    )
    if not lead["is_lead_table"]:
        raise ReviewRefused(
            f"relink refused: {source_table!r} is not a lead table (module_ct_cabinet_leads, "
            "module_ct_scouting_daily, module_ct_migrations)"
        )
    if not lead["lead_row_exists"]:
        raise ReviewRefused(f"relink refused: lead row {source_table}/{source_pk} does not exist")
    owner = lead["owner_person_key"]
    if owner is not None and owner != row["person_key"]:
        raise ReviewRefused(
            f"relink refused: lead {source_table}/{source_pk} belongs to person {owner}; "
            "a lead is never taken from its owner"
        )
    details: dict[str, Any] = {"source_table": source_table, "source_pk": source_pk}
    if owner is None:
        details["link_id"] = int(
            sql.run(
                conn,
                "review/insert_manual_lead_link",
                person_key=row["person_key"],
                source_table=source_table,
                source_pk=source_pk,
                match_rule="MANUAL_RELINK",
                evidence=json.dumps({"reviewer": reviewer, "notes": notes, "driver_id": driver_id}),
            ).scalar_one()
        )
    else:
        details["already_linked"] = True
    return _transition(
        conn,
        row,
        action="relink",
        to_status="resolved_relinked",
        reviewer=reviewer,
        notes=notes,
        evidence=details,
    )


def _create_lead(conn: Connection, driver_id: str, reviewer: str, notes: str) -> ReviewOutcome:
    row = _quarantine_row(conn, driver_id)
    _require_quarantined(row, "create-lead")
    lead_id = sql.run(conn, "review/insert_manual_migration_lead", driver_id=driver_id).scalar()
    if lead_id is None:
        raise ReviewRefused(
            f"create-lead refused: driver {driver_id!r} is not in public.drivers, so there is "
            "nothing to build the lead from"
        )
    source_pk = str(lead_id)
    payload = {"driver_id": driver_id, "created_by": reviewer, "reason": "manual_created_lead"}
    event_id = sql.run(
        conn,
        "review/insert_manual_lead_event",
        source_pk=source_pk,
        person_key=row["person_key"],
        payload=json.dumps(payload),
    ).scalar_one()
    link_id = sql.run(
        conn,
        "review/insert_manual_lead_link",
        person_key=row["person_key"],
        source_table="module_ct_migrations",
        source_pk=source_pk,
        match_rule="MANUAL_CREATED_LEAD",
        evidence=json.dumps({"reviewer": reviewer, "notes": notes, "driver_id": driver_id}),
    ).scalar_one()
    details = {
        "source_table": "module_ct_migrations",
        "source_pk": source_pk,
        "lead_id": int(lead_id),
        "event_id": int(event_id),
        "link_id": int(link_id),
    }
    return _transition(
        conn,
        row,
        action="create-lead",
        to_status="resolved_created_lead",
        reviewer=reviewer,
        notes=notes,
        evidence=details,
    )


def _purge(conn: Connection, driver_id: str, reviewer: str, notes: str) -> ReviewOutcome:
    row = _quarantine_row(conn, driver_id)
    if row["status"] != "quarantined":
        raise ReviewRefused(
            f"purge refused: driver {driver_id!r} is {row['status']}; only a quarantined "
            "driver can be purged"
        )
    deleted = sql.run(conn, "review/delete_driver_link", driver_id=driver_id).scalar()
    details = {"deleted_driver_link": deleted}
    return _transition(
        conn,
        row,
        action="purge",
        to_status="purged",
        reviewer=reviewer,
        notes=notes,
        evidence=details,
    )


def _undo(conn: Connection, driver_id: str, reviewer: str, notes: str) -> ReviewOutcome:
    row = _quarantine_row(conn, driver_id)
    history = _history_rows(conn, driver_id)
    last = history[-1] if history else None
    evidence = (last or {}).get("evidence") or {}
    action = evidence.get("action")
    by_pipeline = last is not None and (last["actor"] == "pipeline" or last["run_id"] is not None)
    if last is None or by_pipeline or action not in ACTIONS:
        raise ReviewRefused(
            f"undo refused: the last transition of driver {driver_id!r} is not a review "
            "action (relink, create-lead or purge)"
        )
    if last["to_status"] != row["status"]:
        raise ReviewRefused(
            f"undo refused: driver {driver_id!r} is {row['status']}, not {last['to_status']} "
            "as its last transition says"
        )
    details: dict[str, Any] = {"undoes_history_id": last["id"], "undone_action": action}
    if action in ("relink", "create-lead") and "link_id" in evidence:
        details["deleted_link"] = sql.run(
            conn, "review/delete_identity_link", link_id=evidence["link_id"]
        ).scalar()
    if action == "create-lead":
        sql.run(conn, "review/delete_manual_lead_event", event_id=evidence["event_id"])
        sql.run(conn, "review/delete_manual_migration_lead", lead_id=evidence["lead_id"])
    if action == "purge" and evidence.get("deleted_driver_link"):
        deleted = evidence["deleted_driver_link"]
        taken = (
            sql.run(
                conn,
                "review/select_link_in_the_way",
                driver_id=driver_id,
                link_id=deleted.get("id"),
            )
            .mappings()
            .first()
        )
        if taken is not None:
            raise ReviewConflict(
                f"undo refused: the purged driver link of {driver_id!r} cannot be restored: "
                f"link {taken['id']} ({taken['source_table']}/{taken['source_pk']}, person "
                f"{taken['person_key']}) now holds its place, ingested since the purge. Decide "
                "what that link means first; the driver stays purged"
            )
        # Restoring the exact earlier state: a legacy orphan, which the guard would refuse.
        guard.allow_orphan_links_in_transaction(conn)
        details["restored_link_id"] = sql.run(
            conn,
            "review/restore_identity_link",
            link=json.dumps(evidence["deleted_driver_link"]),
        ).scalar_one()
    return _transition(
        conn,
        row,
        action="undo",
        to_status="quarantined",
        reviewer=reviewer,
        notes=notes,
        evidence=details,
    )


# --- public entry points -----------------------------------------------------------------------


def _run(
    engine: Engine,
    execute: bool,
    action: Callable[[Connection], ReviewOutcome],
    lock_wait_seconds: float,
) -> ReviewOutcome:
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            lock_orphans_pipeline(conn, lock_wait_seconds)
            outcome = action(conn)
        except BaseException:
            transaction.rollback()
            raise
        if execute:
            crash_point("review_before_commit")
            transaction.commit()
        else:
            transaction.rollback()
    outcome.executed = execute
    return outcome


def review(
    engine: Engine,
    action: str,
    *,
    driver_id: str,
    reviewer: str,
    notes: str,
    source_table: str | None = None,
    source_pk: str | None = None,
    execute: bool = False,
    lock_wait_seconds: float = DEFAULT_LOCK_WAIT_SECONDS,
) -> ReviewOutcome:
    """Apply (or, by default, preview) one review action: relink, create-lead, purge or undo."""
    bound = _bind(action, driver_id, reviewer, notes, source_table, source_pk)
    # Every path (CLI, API, the review job) decides on the current schema only.
    schema.require_current(engine)
    return _run(engine, execute, bound, lock_wait_seconds)


def _bind(
    action: str,
    driver_id: str,
    reviewer: str,
    notes: str | None,
    source_table: str | None,
    source_pk: str | None,
) -> Callable[[Connection], ReviewOutcome]:
    driver_id = _clean(driver_id, "driver id")
    reviewer = _reviewer(reviewer)
    notes = _clean(notes, "notes", required=False, plain=True)
    if action == "relink":
        return lambda conn: _relink(
            conn, driver_id, reviewer, notes, source_table or "", source_pk or ""
        )
    if action == "create-lead":
        return lambda conn: _create_lead(conn, driver_id, reviewer, notes)
    if action == "purge":
        return lambda conn: _purge(conn, driver_id, reviewer, notes)
    if action == "undo":
        return lambda conn: _undo(conn, driver_id, reviewer, notes)
    raise ReviewRefused(f"unknown action {action!r}: use relink, create-lead, purge or undo")


# --- bulk ----------------------------------------------------------------------------------------

BULK_COLUMNS = ("driver_id", "action", "source_table", "source_pk", "notes")


@dataclass
class BulkLine:
    line: int
    driver_id: str
    action: str
    ok: bool
    message: str
    outcome: dict[str, Any] | None = None


@dataclass
class BulkOutcome:
    executed: bool
    lines: list[BulkLine]

    @property
    def failed(self) -> list[BulkLine]:
        return [line for line in self.lines if not line.ok]


def read_decisions(path: Path) -> list[dict[str, str]]:
    """The decisions CSV: a header with driver_id, action, source_table, source_pk, notes."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in BULK_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ReviewRefused(f"{path}: missing column(s) {', '.join(missing)}")
            return [{k: (v or "") for k, v in row.items() if k in BULK_COLUMNS} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ReviewRefused(f"cannot read {path}: {exc}") from exc


def bulk_review(
    engine: Engine,
    decisions: Iterable[dict[str, str]],
    *,
    reviewer: str,
    execute: bool = False,
    lock_wait_seconds: float = DEFAULT_LOCK_WAIT_SECONDS,
) -> BulkOutcome:
    """All the decisions in one transaction: every line applies, or none does.

    Each line runs in its own savepoint, so the preview lists what each line would do and every
    line that would fail; an execute with any failing line writes nothing.
    """
    reviewer = _reviewer(reviewer)
    schema.require_current(engine)
    lines: list[BulkLine] = []
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            lock_orphans_pipeline(conn, lock_wait_seconds)
            for number, decision in enumerate(decisions, start=2):  # line 1 is the header
                driver_id, action = decision.get("driver_id", ""), decision.get("action", "")
                savepoint = conn.begin_nested()
                try:
                    bound = _bind(
                        action.strip(),
                        driver_id,
                        reviewer,
                        decision.get("notes"),
                        decision.get("source_table"),
                        decision.get("source_pk"),
                    )
                    outcome = bound(conn)
                    savepoint.commit()
                    lines.append(
                        BulkLine(
                            number,
                            driver_id,
                            action,
                            True,
                            f"{outcome.from_status} -> {outcome.to_status}",
                            outcome.as_dict(),
                        )
                    )
                except ReviewRefused as exc:
                    savepoint.rollback()
                    lines.append(BulkLine(number, driver_id, action, False, str(exc)))
            result = BulkOutcome(execute and all(line.ok for line in lines), lines)
        except BaseException:
            transaction.rollback()
            raise
        if result.executed:
            transaction.commit()
        else:
            transaction.rollback()
    return result


# --- a driver's story ------------------------------------------------------------------------


def _history_rows(conn: Connection, driver_id: str) -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in sql.run(conn, "review/select_driver_history", driver_id=driver_id).mappings()
    ]


def driver_history(engine: Engine, driver_id: str) -> dict[str, Any]:
    """The current quarantine row, its evidence and every transition, oldest first."""
    driver_id = _clean(driver_id, "driver id")
    with engine.connect() as conn:
        current = sql.run(conn, "review/select_driver_story", driver_id=driver_id).mappings()
        row = current.first()
        transitions = _history_rows(conn, driver_id)
    if row is None and not transitions:
        raise ReviewNotFound(f"driver {driver_id!r} has no quarantine row and no history")
    return {
        "driver_id": driver_id,
        "current": dict(row) if row else None,
        "transitions": transitions,
    }
