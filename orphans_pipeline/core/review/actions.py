"""The four review actions, each on a connection inside the caller's transaction.

Each reads the driver's quarantine row, refuses what the rules forbid (`ReviewRefused`), writes
what the decision means (links, the manual lead, the purge) and moves the row; the table's
trigger appends the history row with the reviewer, notes and evidence named here.
"""

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection

from orphans_pipeline.core import guard, sql
from orphans_pipeline.core.review.history import history_rows, review_decision
from orphans_pipeline.core.review.inputs import clean, reviewer_name
from orphans_pipeline.core.review.refusals import ReviewConflict, ReviewNotFound, ReviewRefused
from orphans_pipeline.core.vocabulary import (
    ACTION_OUTCOME,
    DECISIONS,
    LeadTable,
    OrphanStatus,
    ReviewAction,
)


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


Action = Callable[[Connection], ReviewOutcome]


def _quarantine_row(conn: Connection, driver_id: str) -> dict[str, Any]:
    row = sql.run(conn, "review/select_quarantine_for_review", driver_id=driver_id).mappings()
    found = row.first()
    if found is None:
        raise ReviewNotFound(f"driver {driver_id!r} is not in the quarantine table")
    return dict(found)


def _require_quarantined(row: dict[str, Any], action: ReviewAction) -> None:
    if row["status"] != OrphanStatus.QUARANTINED:
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
    action: ReviewAction,
    reviewer: str,
    notes: str,
    evidence: dict[str, Any],
) -> ReviewOutcome:
    """Move the row to the action's status; the table's trigger appends the history row (0006)
    with the reviewer, notes and evidence named here. Return the outcome."""
    to_status = ACTION_OUTCOME[action]
    resolution = (
        None if to_status == OrphanStatus.QUARANTINED else f"{action} by {reviewer}: {notes}"
    )
    guard.set_history_context(
        conn,
        actor=reviewer,
        notes=notes,
        evidence=json.dumps({"action": action.value, **evidence}, default=str),
    )
    sql.run(
        conn,
        "review/update_quarantine_status",
        driver_id=row["driver_id"],
        status=to_status.value,
        resolution_notes=resolution,
    )
    history_id = int(
        sql.run(conn, "review/select_latest_history_id", driver_id=row["driver_id"]).scalar_one()
    )
    return ReviewOutcome(
        row["driver_id"],
        action.value,
        False,
        reviewer,
        row["status"],
        to_status.value,
        notes,
        evidence,
        history_id,
    )


def relink(
    conn: Connection, driver_id: str, reviewer: str, notes: str, source_table: str, source_pk: str
) -> ReviewOutcome:
    row = _quarantine_row(conn, driver_id)
    _require_quarantined(row, ReviewAction.RELINK)
    source_table = clean(source_table, "source_table")
    source_pk = clean(source_pk, "source_pk")
    lead = (
        sql.run(
            conn, "review/select_lead_for_relink", source_table=source_table, source_pk=source_pk
        )
        .mappings()
        .one()
    )
    if not lead["is_lead_table"]:
        raise ReviewRefused(
            f"relink refused: {source_table!r} is not a lead table "
            f"({', '.join(table.value for table in LeadTable)})"
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
        conn, row, action=ReviewAction.RELINK, reviewer=reviewer, notes=notes, evidence=details
    )


def create_lead(conn: Connection, driver_id: str, reviewer: str, notes: str) -> ReviewOutcome:
    row = _quarantine_row(conn, driver_id)
    _require_quarantined(row, ReviewAction.CREATE_LEAD)
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
        source_table=LeadTable.MIGRATIONS.value,
        source_pk=source_pk,
        match_rule="MANUAL_CREATED_LEAD",
        evidence=json.dumps({"reviewer": reviewer, "notes": notes, "driver_id": driver_id}),
    ).scalar_one()
    details = {
        "source_table": LeadTable.MIGRATIONS.value,
        "source_pk": source_pk,
        "lead_id": int(lead_id),
        "event_id": int(event_id),
        "link_id": int(link_id),
    }
    return _transition(
        conn,
        row,
        action=ReviewAction.CREATE_LEAD,
        reviewer=reviewer,
        notes=notes,
        evidence=details,
    )


def purge(conn: Connection, driver_id: str, reviewer: str, notes: str) -> ReviewOutcome:
    row = _quarantine_row(conn, driver_id)
    if row["status"] != OrphanStatus.QUARANTINED:
        raise ReviewRefused(
            f"purge refused: driver {driver_id!r} is {row['status']}; only a quarantined "
            "driver can be purged"
        )
    deleted = sql.run(conn, "review/delete_driver_link", driver_id=driver_id).scalar()
    details = {"deleted_driver_link": deleted}
    return _transition(
        conn, row, action=ReviewAction.PURGE, reviewer=reviewer, notes=notes, evidence=details
    )


def undo(conn: Connection, driver_id: str, reviewer: str, notes: str) -> ReviewOutcome:
    row = _quarantine_row(conn, driver_id)
    history = history_rows(conn, driver_id)
    last = history[-1] if history else None
    evidence = (last or {}).get("evidence") or {}
    action = review_decision(last)
    if last is None or action is None:
        raise ReviewRefused(
            f"undo refused: the last transition of driver {driver_id!r} is not a review "
            f"action ({', '.join(DECISIONS[:-1])} or {DECISIONS[-1]})"
        )
    if last["to_status"] != row["status"]:
        raise ReviewRefused(
            f"undo refused: driver {driver_id!r} is {row['status']}, not {last['to_status']} "
            "as its last transition says"
        )
    details: dict[str, Any] = {"undoes_history_id": last["id"], "undone_action": action}
    if action in (ReviewAction.RELINK, ReviewAction.CREATE_LEAD) and "link_id" in evidence:
        details["deleted_link"] = sql.run(
            conn, "review/delete_identity_link", link_id=evidence["link_id"]
        ).scalar()
    if action == ReviewAction.CREATE_LEAD:
        sql.run(conn, "review/delete_manual_lead_event", event_id=evidence["event_id"])
        sql.run(conn, "review/delete_manual_migration_lead", lead_id=evidence["lead_id"])
    if action == ReviewAction.PURGE and evidence.get("deleted_driver_link"):
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
        conn, row, action=ReviewAction.UNDO, reviewer=reviewer, notes=notes, evidence=details
    )


def bind(
    action: str,
    driver_id: str,
    reviewer: str,
    notes: str | None,
    source_table: str | None,
    source_pk: str | None,
) -> Action:
    """The action with its inputs cleaned (or refused), ready to run on a connection."""
    driver_id = clean(driver_id, "driver id")
    reviewer = reviewer_name(reviewer)
    notes = clean(notes, "notes", required=False, plain=True)
    if action == ReviewAction.RELINK:
        return lambda conn: relink(
            conn, driver_id, reviewer, notes, source_table or "", source_pk or ""
        )
    if action == ReviewAction.CREATE_LEAD:
        return lambda conn: create_lead(conn, driver_id, reviewer, notes)
    if action == ReviewAction.PURGE:
        return lambda conn: purge(conn, driver_id, reviewer, notes)
    if action == ReviewAction.UNDO:
        return lambda conn: undo(conn, driver_id, reviewer, notes)
    *others, last = ReviewAction
    raise ReviewRefused(f"unknown action {action!r}: use {', '.join(others)} or {last}")
