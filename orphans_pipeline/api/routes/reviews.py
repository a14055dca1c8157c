"""The reviewers' actions on one driver (relink, create-lead, purge, undo) and its history."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path

from orphans_pipeline.api.auth import Writer
from orphans_pipeline.api.errors import responses
from orphans_pipeline.api.models import (
    DRIVER_ID_PATTERN,
    DriverHistory,
    RelinkRequest,
    ReviewRequest,
    ReviewResult,
)
from orphans_pipeline.api.routes.deps import DatabaseEngine, api_router
from orphans_pipeline.core import review
from orphans_pipeline.core.vocabulary import ReviewAction

# A review waits this long for a running pipeline, then answers 409 rather than hang.
REVIEW_LOCK_WAIT_SECONDS = 5.0
DriverIdPath = Annotated[str, Path(pattern=DRIVER_ID_PATTERN, description="public.drivers id")]
# The actions whose body is the reviewer, notes and execute alone, and what they do.
PLAIN_ACTIONS = {
    ReviewAction.CREATE_LEAD: (
        "Create the missing migrations lead, its event and lead link → resolved_created_lead."
    ),
    ReviewAction.PURGE: "Delete the driver link (its content kept in the history) → purged. Final.",
    ReviewAction.UNDO: "Undo the driver's last review action → quarantined again.",
}


def _review(
    engine: DatabaseEngine,
    action: ReviewAction,
    driver_id: str,
    body: ReviewRequest,
    **extra: str,
) -> dict[str, Any]:
    return review.review(
        engine,
        action,
        driver_id=driver_id,
        reviewer=body.reviewer,
        notes=body.notes,
        execute=body.execute,
        lock_wait_seconds=REVIEW_LOCK_WAIT_SECONDS,
        **extra,
    ).as_dict()


def _plain_action(action: ReviewAction) -> Callable[..., dict[str, Any]]:
    def endpoint(
        driver_id: DriverIdPath, body: ReviewRequest, engine: DatabaseEngine
    ) -> dict[str, Any]:
        return _review(engine, action, driver_id, body)

    return endpoint


def router(reader: Any) -> APIRouter:
    routes = api_router()

    @routes.post(
        f"/{{driver_id}}/{ReviewAction.RELINK}",
        response_model=ReviewResult,
        dependencies=[Writer],
        responses=responses(404, 409),
    )
    def relink(
        driver_id: DriverIdPath, body: RelinkRequest, engine: DatabaseEngine
    ) -> dict[str, Any]:
        """Link the driver's person to an existing lead row → resolved_relinked."""
        return _review(
            engine,
            ReviewAction.RELINK,
            driver_id,
            body,
            source_table=body.source_table,
            source_pk=body.source_pk,
        )

    for action, summary in PLAIN_ACTIONS.items():
        routes.post(
            f"/{{driver_id}}/{action}",
            response_model=ReviewResult,
            dependencies=[Writer],
            responses=responses(404, 409),
            name=action.replace("-", "_"),
            description=summary,
        )(_plain_action(action))

    @routes.get(
        "/{driver_id}/history",
        response_model=DriverHistory,
        dependencies=[reader],
        responses=responses(404),
    )
    def history(driver_id: DriverIdPath, engine: DatabaseEngine) -> dict[str, Any]:
        """The quarantine row, its evidence and every transition, oldest first."""
        return review.driver_history(engine, driver_id)

    return routes
