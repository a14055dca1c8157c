"""The review queue as readers see it: pages of `ops.v_driver_orphans` and the queue's figures.

The HTTP API and the review page call these; each is one query, whatever the page size.
"""

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from orphans_pipeline.core import sql
from orphans_pipeline.core.review.history import history_rows, review_decision
from orphans_pipeline.core.vocabulary import (
    DECISIONS,
    PIPELINE_ACTOR,
    DetectedReason,
    OrphanStatus,
)

# The filters the queue accepts, in the order the page lists them.
STATUSES = tuple(OrphanStatus)
REASONS = tuple(DetectedReason)
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class OrphanPage:
    orphans: list[dict[str, Any]]
    total: int
    page: int
    page_size: int

    @property
    def total_pages(self) -> int:
        return math.ceil(self.total / self.page_size)

    def as_dict(self) -> dict[str, Any]:
        return {
            "orphans": self.orphans,
            "total": self.total,
            "page": self.page,
            "page_size": self.page_size,
            "total_pages": self.total_pages,
        }


def _check_filters(
    page: int, page_size: int, status: str | None, detected_reason: str | None
) -> None:
    """Refuse, with the reason, a page or filter the queue's statements cannot take."""
    if page < 1:
        raise ValueError(f"page must be at least 1, not {page}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}")
    if status is not None and status not in STATUSES:
        raise ValueError(f"unknown status {status!r}: use one of {', '.join(STATUSES)}")
    if detected_reason is not None and detected_reason not in REASONS:
        raise ValueError(
            f"unknown detected_reason {detected_reason!r}: use one of {', '.join(REASONS)}"
        )


def list_orphans(
    engine: Engine,
    *,
    page: int = 1,
    page_size: int = 50,
    status: str | None = None,
    detected_reason: str | None = None,
    driver_id: str | None = None,
) -> OrphanPage:
    """One page of quarantine rows (every status), ordered by driver id."""
    _check_filters(page, page_size, status, detected_reason)
    with engine.connect() as conn:
        rows = sql.run(
            conn,
            "queue/select_orphans_page",
            status=status,
            detected_reason=detected_reason,
            driver_id=driver_id,
            page_size=page_size,
            page_offset=(page - 1) * page_size,
        ).mappings()
        found = [dict(row) for row in rows]
    return _as_page(found, page, page_size)


def _total(found: list[dict[str, Any]]) -> int:
    return int(found[0]["total"]) if found else 0


def _as_page(found: list[dict[str, Any]], page: int, page_size: int) -> OrphanPage:
    """A page from the rows of a paging query: each carries the filtered total, and a page past
    the end is one row with the total only (driver_id null)."""
    orphans = [
        {key: value for key, value in row.items() if key != "total"}
        for row in found
        if row["driver_id"] is not None
    ]
    return OrphanPage(orphans, _total(found), page, page_size)


def orphan_metrics(engine: Engine) -> dict[str, Any]:
    """Totals of the queue: by status (every row), by reason (rows still quarantined)."""
    with engine.connect() as conn:
        row = dict(sql.run(conn, "queue/select_orphan_metrics").mappings().one())
    by_status = {status: int(row["by_status"].get(status, 0)) for status in STATUSES}
    by_reason = {reason: int(row["by_reason"].get(reason, 0)) for reason in REASONS}
    return {
        "total_orphans": int(row["total_orphans"] or 0),
        "by_status": by_status,
        "by_reason": by_reason,
        "quarantined": by_status[OrphanStatus.QUARANTINED],
        "resolved_relinked": by_status[OrphanStatus.RESOLVED_RELINKED],
        "with_lead_events": int(row["with_lead_events"]),
        "without_lead_events": int(row["without_lead_events"]),
        "last_updated_at": row["last_updated_at"],
    }


# --- the review page's reads ---------------------------------------------------------------------

SORTS = ("oldest", "newest", "driver_id")
MAX_SEARCH = 200


def review_queue_page(
    engine: Engine,
    *,
    page: int = 1,
    page_size: int = 50,
    status: str | None = None,
    detected_reason: str | None = None,
    search: str | None = None,
    sort: str = "oldest",
    driver_id: str | None = None,
) -> OrphanPage:
    """One page of the review queue, searched by id prefix, name, phone or license.

    A page past the end is clamped to the last page (the returned `page` says which), so a
    stale link never shows "page 999 of 4".
    """
    _check_filters(page, page_size, status, detected_reason)
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    search = (search or "").strip() or None
    if search is not None and (len(search) > MAX_SEARCH or "\x00" in search):
        raise ValueError(f"the search must be at most {MAX_SEARCH} characters, without NUL")
    params = {
        "status": status,
        "detected_reason": detected_reason,
        "search": search,
        "driver_id": driver_id,
        "sort": sort,
        "page_size": page_size,
    }
    with engine.connect() as conn:
        found = _queue_rows(conn, params, page)
        last_page = max(1, math.ceil(_total(found) / page_size))
        if page > last_page:
            page = last_page
            found = _queue_rows(conn, params, page)
    return _as_page(found, page, page_size)


def _queue_rows(conn: Connection, params: dict[str, Any], page: int) -> list[dict[str, Any]]:
    rows = sql.run(
        conn,
        "queue/select_review_queue_page",
        page_offset=(page - 1) * params["page_size"],
        pipeline_actor=PIPELINE_ACTOR,
        decisions=[str(action) for action in DECISIONS],
        **params,
    ).mappings()
    return [dict(row) for row in rows]


def driver_detail(engine: Engine, driver_id: str) -> dict[str, Any] | None:
    """What the detail view shows: the driver's row, data, evidence, candidates and history.

    None when the driver has no quarantine row.
    """
    with engine.connect() as conn:
        row = sql.run(conn, "queue/select_driver_detail", driver_id=driver_id).mappings().first()
        if row is None:
            return None
        candidates = [
            dict(candidate)
            for candidate in sql.run(
                conn, "queue/select_lead_candidates", driver_id=driver_id
            ).mappings()
        ]
        history = history_rows(conn, driver_id)
    detail = dict(row)
    evidence = detail.get("evidence_json") or {}
    last = history[-1] if history else None
    decision = review_decision(last)
    detail["driver_link_rule"] = (evidence.get("driver_link") or {}).get("match_rule")
    detail["driver_link_recorded_evidence"] = (evidence.get("driver_link") or {}).get("evidence")
    detail["events_total"] = int(evidence.get("lead_events_count") or 0)
    detail["candidates"] = candidates
    detail["history"] = history
    # The test of review.actions.undo, so the page offers undo exactly when the core accepts it.
    detail["last_action"] = decision
    detail["is_undoable"] = bool(
        last is not None and decision is not None and last["to_status"] == detail["status"]
    )
    return detail
