"""The four review actions, decided by the database.

What a reviewer typed is cleaned here (`decision`); the decision itself is checked and written
by `orphans.review_decisions` (revision 0013), the one door of every review: it refuses what the
rules forbid, writes what the decision means (links, the manual lead, the purge, an undo's
deletions) and moves the row, whose trigger appends the history with the reviewer, notes and
evidence. A refusal comes back as the line's SQLSTATE: OR404 (no quarantine row), OR409 (the
data has moved on) or OR400 (anything else).
"""

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection

from orphans_pipeline.core import sql
from orphans_pipeline.core.review.inputs import clean
from orphans_pipeline.core.review.refusals import ReviewConflict, ReviewNotFound, ReviewRefused
from orphans_pipeline.core.vocabulary import ReviewAction


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


@dataclass(frozen=True)
class Decision:
    """One cleaned review request: what `orphans.review_decisions` receives for it."""

    action: str
    driver_id: str
    notes: str
    source_table: str | None = None
    source_pk: str | None = None
    line: int = 1

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def decision(
    action: str,
    driver_id: str,
    notes: str | None,
    source_table: str | None = None,
    source_pk: str | None = None,
    line: int = 1,
) -> Decision:
    """The request with its inputs cleaned, or refused before anything reaches the database."""
    action = (action or "").strip()
    if action not in tuple(ReviewAction):
        *others, last = ReviewAction
        raise ReviewRefused(f"unknown action {action!r}: use {', '.join(others)} or {last}")
    driver_id = clean(driver_id, "driver id")
    notes = clean(notes, "notes", required=False, plain=True)
    if action == ReviewAction.RELINK:
        return Decision(
            action,
            driver_id,
            notes,
            clean(source_table, "source_table"),
            clean(source_pk, "source_pk"),
            line,
        )
    return Decision(action, driver_id, notes, line=line)


def apply_decisions(
    conn: Connection, decisions: list[Decision], reviewer: str, *, execute: bool
) -> dict[str, Any]:
    """Hand the decisions to the database, under the pipeline lock the caller holds: every one
    applies, or none does (the function takes its own writes back otherwise, and always for a
    preview). Returns {executed, lines: [{line, ok, outcome | code, message}]}."""
    result: dict[str, Any] = sql.run(
        conn,
        "review/apply_review_decisions",
        decisions=json.dumps([one.as_json() for one in decisions]),
        reviewer=reviewer,
        preview=not execute,
    ).scalar_one()
    return result


def outcome_of(line: dict[str, Any], *, executed: bool) -> ReviewOutcome:
    """The outcome of a line the database applied (or would apply)."""
    outcome = line["outcome"]
    return ReviewOutcome(
        outcome["driver_id"],
        outcome["action"],
        executed,
        outcome["reviewer"],
        outcome["from_status"],
        outcome["to_status"],
        outcome["notes"],
        outcome.get("details") or {},
        outcome.get("history_id"),
    )


REFUSALS: dict[str, type[ReviewRefused]] = {
    "OR404": ReviewNotFound,
    "OR409": ReviewConflict,
    "OR400": ReviewRefused,
}


def refusal_of(line: dict[str, Any]) -> ReviewRefused:
    """The refusal of a line the database refused, as the exception its code means."""
    return REFUSALS.get(line.get("code") or "", ReviewRefused)(line["message"])
