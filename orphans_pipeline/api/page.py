"""The review page, Identidad > Orphans: server-rendered HTML with a little plain JavaScript.

The page reads through the core, like the API. Its buttons call the API with the reviewer's
bearer token, which the reviewer types once: the tab keeps it in sessionStorage, and in a cookie
that only reads accept (changes take the token from the Authorization header alone).
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine

from orphans_pipeline.api.auth import require_reader
from orphans_pipeline.api.settings import ApiSettings
from orphans_pipeline.core import queue

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
PAGE_SIZES = (25, 50, 100, 200)


def _filters(
    status: str | None, detected_reason: str | None, driver_id: str | None, page_size: int
) -> tuple[dict[str, Any], list[str]]:
    """The page's filters, each bad one dropped with a message (a page never fails on them)."""
    problems = []
    if status and status not in queue.STATUSES:
        problems.append(f"unknown status {status!r}")
        status = None
    if detected_reason and detected_reason not in queue.REASONS:
        problems.append(f"unknown reason {detected_reason!r}")
        detected_reason = None
    if page_size not in PAGE_SIZES:
        problems.append(f"page size {page_size} is not one of {PAGE_SIZES}")
        page_size = 50
    return {
        "status": status or None,
        "detected_reason": detected_reason or None,
        "driver_id": (driver_id or "").strip() or None,
        "page_size": page_size,
    }, problems


def router(engine: Callable[[], Engine]) -> APIRouter:
    routes = APIRouter(include_in_schema=False)

    @routes.get("/orphans", response_class=HTMLResponse)
    def orphans_page(
        request: Request,
        status: str | None = None,
        detected_reason: str | None = None,
        driver_id: str | None = None,
        page: int = Query(default=1, ge=1, le=10_000_000),
        page_size: int = 50,
    ) -> HTMLResponse:
        settings: ApiSettings = request.app.state.settings
        template = TEMPLATES.get_template("orphans.html")
        context: dict[str, Any] = {
            "statuses": queue.STATUSES,
            "reasons": queue.REASONS,
            "page_sizes": PAGE_SIZES,
            "dagster_ui_url": settings.dagster_ui_url,
            "writes_enabled": settings.api_token is not None,
            "fix_enabled": settings.enable_fix,
            "read_requires_token": settings.read_requires_token,
        }
        try:
            require_reader(request, settings, None)
        except HTTPException as exc:
            return HTMLResponse(
                template.render(**context, locked=True, problems=[exc.detail]),
                status_code=exc.status_code,
            )
        filters, problems = _filters(status, detected_reason, driver_id, page_size)
        try:
            found = queue.list_orphans(engine(), page=page, **filters)
        except ValueError as exc:  # a driver id the view cannot hold, for example
            problems.append(str(exc))
            filters["driver_id"] = None
            found = queue.list_orphans(engine(), page=1, **filters)
        html = template.render(
            **context,
            locked=False,
            problems=problems,
            filters=filters,
            metrics=queue.orphan_metrics(engine()),
            result=found,
        )
        return HTMLResponse(html, status_code=400 if problems else 200)

    return routes
