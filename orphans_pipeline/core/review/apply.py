"""The entry points: one review action, or a file of decisions all or nothing. Both check the
schema, clean the input, and run in the one locked transaction of `transaction`."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from orphans_pipeline.core import schema
from orphans_pipeline.core.fix import DEFAULT_LOCK_WAIT_SECONDS
from orphans_pipeline.core.review.actions import Action, ReviewOutcome, bind
from orphans_pipeline.core.review.inputs import reviewer_name
from orphans_pipeline.core.review.refusals import ReviewRefused
from orphans_pipeline.core.review.transaction import in_locked_transaction


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
    bound = bind(action, driver_id, reviewer, notes, source_table, source_pk)
    # Every path (CLI, API, the review job) decides on the current schema only.
    schema.require_current(engine)
    outcome = in_locked_transaction(
        engine, bound, commit=lambda _: execute, lock_wait_seconds=lock_wait_seconds
    )
    outcome.executed = execute
    return outcome


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


def bulk_review(
    engine: Engine,
    decisions: Iterable[dict[str, str]],
    *,
    reviewer: str,
    execute: bool = False,
    lock_wait_seconds: float = DEFAULT_LOCK_WAIT_SECONDS,
) -> BulkOutcome:
    """All the decisions in one transaction: every line applies, or none does.

    Every line's input is checked first, without the lock, which is held only while the
    checked lines run. Each runs in its own savepoint, so the preview lists what each line
    would do and every line that would fail; an execute with any failing line writes nothing.
    """
    reviewer = reviewer_name(reviewer)
    checked = [
        _checked(number, decision, reviewer)
        for number, decision in enumerate(decisions, start=2)  # line 1 is the header
    ]
    schema.require_current(engine)
    if not any(decision.bound for decision in checked):
        # Nothing for the database to do: no lock taken.
        return BulkOutcome(execute and not checked, [_refused(decision) for decision in checked])

    def every_line(conn: Connection) -> BulkOutcome:
        lines = [_one_line(conn, decision) for decision in checked]
        return BulkOutcome(execute and all(line.ok for line in lines), lines)

    return in_locked_transaction(
        engine,
        every_line,
        commit=lambda outcome: outcome.executed,
        lock_wait_seconds=lock_wait_seconds,
    )


@dataclass
class _Checked:
    """One line of the file with its input checked: bound to its action, or refused."""

    line: int
    driver_id: str
    action: str
    bound: Action | None = None
    refused: str = ""


def _checked(number: int, decision: dict[str, str], reviewer: str) -> _Checked:
    checked = _Checked(number, decision.get("driver_id", ""), decision.get("action", ""))
    try:
        checked.bound = bind(
            checked.action.strip(),
            checked.driver_id,
            reviewer,
            decision.get("notes"),
            decision.get("source_table"),
            decision.get("source_pk"),
        )
    except ReviewRefused as exc:
        checked.refused = str(exc)
    return checked


def _refused(decision: _Checked) -> BulkLine:
    return BulkLine(decision.line, decision.driver_id, decision.action, False, decision.refused)


def _one_line(conn: Connection, decision: _Checked) -> BulkLine:
    """One decision in a savepoint of its own: kept if it applies, rolled back if refused."""
    if decision.bound is None:
        return _refused(decision)
    savepoint = conn.begin_nested()
    try:
        outcome = decision.bound(conn)
    except ReviewRefused as exc:
        savepoint.rollback()
        return BulkLine(decision.line, decision.driver_id, decision.action, False, str(exc))
    savepoint.commit()
    message = f"{outcome.from_status} -> {outcome.to_status}"
    return BulkLine(
        decision.line, decision.driver_id, decision.action, True, message, outcome.as_dict()
    )
