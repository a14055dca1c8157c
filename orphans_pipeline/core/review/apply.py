"""The entry points: one review action, or a file of decisions all or nothing. Both clean the
input and check the schema before any lock is taken, then hand the decisions to the database
(`actions.apply_decisions`) in the one locked transaction of `transaction`."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from orphans_pipeline.core import schema
from orphans_pipeline.core.fix import DEFAULT_LOCK_WAIT_SECONDS
from orphans_pipeline.core.review.actions import (
    Decision,
    ReviewOutcome,
    apply_decisions,
    decision,
    outcome_of,
    refusal_of,
)
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
    one = decision(action, driver_id, notes, source_table, source_pk)
    reviewer = reviewer_name(reviewer)
    # Every path (CLI, API, the review job) decides on the current schema only.
    schema.require_current(engine)
    result = in_locked_transaction(
        engine,
        lambda conn: apply_decisions(conn, [one], reviewer, execute=execute),
        commit=lambda applied: bool(applied["executed"]),
        lock_wait_seconds=lock_wait_seconds,
    )
    (line,) = result["lines"]
    if not line["ok"]:
        raise refusal_of(line)
    return outcome_of(line, executed=execute)


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

    Every line is cleaned before the lock is taken; the database then judges each valid line in
    a savepoint of its own, on the state the earlier ones left, so the preview lists what each
    line would do and every line that would fail; an execute with any failing line writes
    nothing.
    """
    reviewer = reviewer_name(reviewer)
    schema.require_current(engine)
    rows: dict[int, dict[str, str]] = {}
    cleaned: list[Decision] = []
    refused: dict[int, str] = {}
    for number, row in enumerate(decisions, start=2):  # line 1 is the header
        rows[number] = row
        try:
            cleaned.append(
                decision(
                    row.get("action", ""),
                    row.get("driver_id", ""),
                    row.get("notes"),
                    row.get("source_table"),
                    row.get("source_pk"),
                    line=number,
                )
            )
        except ReviewRefused as exc:
            refused[number] = str(exc)
    if not cleaned:
        # Nothing for the database to judge: no lock taken.
        lines = [
            BulkLine(n, rows[n].get("driver_id", ""), rows[n].get("action", ""), False, refused[n])
            for n in rows
        ]
        return BulkOutcome(execute and not rows, lines)
    write = execute and not refused
    result = in_locked_transaction(
        engine,
        lambda conn: apply_decisions(conn, cleaned, reviewer, execute=write),
        commit=lambda applied: bool(applied["executed"]),
        lock_wait_seconds=lock_wait_seconds,
    )
    judged = {int(line["line"]): line for line in result["lines"]}
    lines = []
    for number, row in rows.items():
        driver_id, action = row.get("driver_id", ""), row.get("action", "")
        if number in refused:
            lines.append(BulkLine(number, driver_id, action, False, refused[number]))
            continue
        line = judged[number]
        if not line["ok"]:
            lines.append(BulkLine(number, driver_id, action, False, line["message"]))
            continue
        outcome = outcome_of(line, executed=bool(result["executed"]))
        message = f"{outcome.from_status} -> {outcome.to_status}"
        lines.append(BulkLine(number, driver_id, action, True, message, outcome.as_dict()))
    return BulkOutcome(bool(result["executed"]), lines)
