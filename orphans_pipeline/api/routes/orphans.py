"""The review queue's reads: a page of quarantine rows, and the queue's figures."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from orphans_pipeline.api.errors import responses
from orphans_pipeline.api.models import (
    DRIVER_ID_PATTERN,
    OrphanMetrics,
    OrphanPage,
    Reason,
    Status,
)
from orphans_pipeline.api.routes.deps import DatabaseEngine, api_router
from orphans_pipeline.core import queue


def router(reader: Any) -> APIRouter:
    routes = api_router(dependencies=[reader])

    @routes.get("", response_model=OrphanPage, responses=responses())
    def list_orphans(
        engine: DatabaseEngine,
        page: Annotated[int, Query(ge=1, le=10_000_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=queue.MAX_PAGE_SIZE)] = 50,
        status: Status | None = None,
        detected_reason: Reason | None = None,
        driver_id: Annotated[str | None, Query(pattern=DRIVER_ID_PATTERN)] = None,
    ) -> dict[str, Any]:
        """Quarantine rows (every status) with the fields of ops.v_driver_orphans, one page."""
        return queue.list_orphans(
            engine,
            page=page,
            page_size=page_size,
            status=status,
            detected_reason=detected_reason,
            driver_id=driver_id,
        ).as_dict()

    @routes.get("/metrics", response_model=OrphanMetrics, responses=responses())
    def orphan_metrics(engine: DatabaseEngine) -> dict[str, Any]:
        """by_status over every quarantine row; by_reason over the rows still quarantined."""
        return queue.orphan_metrics(engine)

    return routes
