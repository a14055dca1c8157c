"""The FastAPI app: the runbook's endpoints under /api/v1/identity/orphans and the review page.

Every endpoint calls the same core functions as the CLI. Bad input is answered with 400 or 422
and a message; a refused action with 404 or 409; a database that cannot be reached with 503.
"""

import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Path, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, DBAPIError

from orphans_pipeline.api import page
from orphans_pipeline.api.auth import Writer, reader, start_read_session
from orphans_pipeline.api.fix_runs import FixRunLauncher, RunInProgress, RunNotFound
from orphans_pipeline.api.models import (
    DRIVER_ID_PATTERN,
    DriverHistory,
    FixRun,
    OrphanMetrics,
    OrphanPage,
    Problem,
    Reason,
    RelinkRequest,
    ReviewRequest,
    ReviewResult,
    RunFixRequest,
    RunFixStarted,
    Status,
)
from orphans_pipeline.api.security import AllowedHosts, BodySizeLimit, SecurityHeaders
from orphans_pipeline.api.settings import ApiSettings
from orphans_pipeline.core import db, queue, review, settings
from orphans_pipeline.core.locking import PipelineBusy

PREFIX = "/api/v1/identity/orphans"
# A review waits this long for a running pipeline, then answers 409 rather than hang.
REVIEW_LOCK_WAIT_SECONDS = 5.0
RUN_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

DriverIdPath = Annotated[str, Path(pattern=DRIVER_ID_PATTERN, description="public.drivers id")]
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem} for code in (400, 401, 403, 404, 409, 413, 503)
}


# An absolute path inside a message (not the path part of a URL): the server's own layout,
# which remote callers have no business learning.
SERVER_PATH = re.compile(r"(?<![\w.:/~-])/[^\s'\"),;]+")
# A 422 names the fields; it echoes no more of the input than this.
EXCERPT_CHARS = 60
MAX_VALIDATION_ERRORS = 20


def without_server_paths(message: str) -> str:
    return SERVER_PATH.sub("<server path>", message)


def _problem(code: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": without_server_paths(detail)}, status_code=code)


def _excerpt(value: Any) -> Any:
    """The input of a validation error, cut short: a 422 never echoes a large body back."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", "replace")
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) <= EXCERPT_CHARS:
        return value if isinstance(value, str) else json.loads(text)
    return f"{text[:EXCERPT_CHARS]}… ({len(text)} characters)"


def _short_errors(errors: Any) -> list[dict[str, Any]]:
    shown: list[dict[str, Any]] = [
        {
            "type": error.get("type"),
            "loc": list(error.get("loc", ())),
            "msg": str(error.get("msg", ""))[:200],
            "input": _excerpt(error.get("input")),
        }
        for error in list(errors)[:MAX_VALIDATION_ERRORS]
    ]
    if len(errors) > MAX_VALIDATION_ERRORS:
        shown.append(
            {
                "type": "too_many_errors",
                "loc": [],
                "msg": f"{len(errors) - MAX_VALIDATION_ERRORS} more errors not shown",
                "input": None,
            }
        )
    return shown


def create_app(
    api_settings: ApiSettings | None = None,
    engine: Callable[[], Engine] = db.get_engine,
    launcher: FixRunLauncher | None = None,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.launcher.close()

    app = FastAPI(
        title="orphans_pipeline",
        version="1",
        summary="CT4 orphan drivers: the review queue, its figures, run-fix and review actions.",
        lifespan=lifespan,
    )
    app.state.settings = api_settings or ApiSettings.from_env()
    Reader = reader(app.state.settings)
    app.state.launcher = launcher or FixRunLauncher()
    # Outermost last: headers on every answer, then the Host check, then the body limit, all
    # before routing, parsing and authentication.
    app.add_middleware(BodySizeLimit, max_bytes=app.state.settings.max_body_bytes)
    app.add_middleware(AllowedHosts, allowed=app.state.settings.allowed_hosts)
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            {"detail": _short_errors(exc.errors())},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )

    @app.exception_handler(review.ReviewConflict)
    async def conflict(request: Request, exc: review.ReviewConflict) -> JSONResponse:
        return _problem(status.HTTP_409_CONFLICT, str(exc))

    @app.exception_handler(review.ReviewNotFound)
    async def not_found(request: Request, exc: review.ReviewNotFound) -> JSONResponse:
        return _problem(status.HTTP_404_NOT_FOUND, str(exc))

    @app.exception_handler(RunNotFound)
    async def run_not_found(request: Request, exc: RunNotFound) -> JSONResponse:
        return _problem(status.HTTP_404_NOT_FOUND, str(exc))

    @app.exception_handler(ValueError)
    async def bad_request(request: Request, exc: ValueError) -> JSONResponse:
        return _problem(status.HTTP_400_BAD_REQUEST, str(exc))

    @app.exception_handler(PipelineBusy)
    @app.exception_handler(RunInProgress)
    async def busy(request: Request, exc: Exception) -> JSONResponse:
        return _problem(status.HTTP_409_CONFLICT, str(exc))

    @app.exception_handler(DataError)
    async def bad_value(request: Request, exc: DataError) -> JSONResponse:
        # A value the database cannot take (a NUL character in a text, for example): bad input.
        return _problem(status.HTTP_400_BAD_REQUEST, f"bad input: {str(exc.orig).strip()}")

    @app.exception_handler(DBAPIError)
    async def database_down(request: Request, exc: DBAPIError) -> JSONResponse:
        return _problem(status.HTTP_503_SERVICE_UNAVAILABLE, f"database: {str(exc.orig).strip()}")

    @app.exception_handler(settings.ConfigError)
    async def misconfigured(request: Request, exc: settings.ConfigError) -> JSONResponse:
        return _problem(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc))

    @app.get(f"{PREFIX}", response_model=OrphanPage, dependencies=[Reader], responses=ERRORS)
    def list_orphans(
        page: Annotated[int, Query(ge=1, le=10_000_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=queue.MAX_PAGE_SIZE)] = 50,
        status: Status | None = None,
        detected_reason: Reason | None = None,
        driver_id: Annotated[str | None, Query(pattern=DRIVER_ID_PATTERN)] = None,
    ) -> dict[str, Any]:
        """Quarantine rows (every status) with the fields of ops.v_driver_orphans, one page."""
        return queue.list_orphans(
            engine(),
            page=page,
            page_size=page_size,
            status=status,
            detected_reason=detected_reason,
            driver_id=driver_id,
        ).as_dict()

    @app.get(
        f"{PREFIX}/metrics", response_model=OrphanMetrics, dependencies=[Reader], responses=ERRORS
    )
    def orphan_metrics() -> dict[str, Any]:
        """by_status over every quarantine row; by_reason over the rows still quarantined."""
        return queue.orphan_metrics(engine())

    @app.post(
        f"{PREFIX}/run-fix",
        response_model=RunFixStarted,
        status_code=status.HTTP_202_ACCEPTED,
        dependencies=[Writer],
        responses=ERRORS,
    )
    def run_fix(body: RunFixRequest, request: Request) -> dict[str, Any]:
        """Launch orphans_fix_job; answer with its run id as soon as the run exists.

        Poll `runs/{run_id}` for its status, stats, drivers and reports. An execute also needs
        ENABLE_ORPHANS_FIX=true on the server.
        """
        current: ApiSettings = request.app.state.settings
        if body.execute and not current.enable_fix:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                "executes through the API are disabled: set ENABLE_ORPHANS_FIX=true on the server",
            )
        run_id = request.app.state.launcher.launch(
            execute=body.execute, limit=body.limit, output_dir=body.output_dir, engine=engine()
        )
        return {
            "run_id": run_id,
            "execute": body.execute,
            "status_url": f"{PREFIX}/runs/{run_id}",
            "dagster_ui_url": f"{current.dagster_ui_url}/runs/{run_id}",
        }

    @app.get(
        f"{PREFIX}/runs/{{run_id}}", response_model=FixRun, dependencies=[Reader], responses=ERRORS
    )
    def fix_run(
        run_id: Annotated[str, Path(pattern=RUN_ID_PATTERN)], request: Request
    ) -> dict[str, Any]:
        """A run's Dagster status, its stats, checks, reports and its first 100 drivers."""
        described: dict[str, Any] = request.app.state.launcher.describe(engine(), run_id)
        if described.get("error"):
            described["error"] = without_server_paths(described["error"])
        return described

    def _review(action: str, driver_id: str, body: ReviewRequest, **extra: str) -> dict[str, Any]:
        return review.review(
            engine(),
            action,
            driver_id=driver_id,
            reviewer=body.reviewer,
            notes=body.notes,
            execute=body.execute,
            lock_wait_seconds=REVIEW_LOCK_WAIT_SECONDS,
            **extra,
        ).as_dict()

    @app.post(
        f"{PREFIX}/{{driver_id}}/relink",
        response_model=ReviewResult,
        dependencies=[Writer],
        responses=ERRORS,
    )
    def relink(driver_id: DriverIdPath, body: RelinkRequest) -> dict[str, Any]:
        """Link the driver's person to an existing lead row → resolved_relinked."""
        return _review(
            "relink", driver_id, body, source_table=body.source_table, source_pk=body.source_pk
        )

    def _action_endpoint(action: str) -> Callable[..., dict[str, Any]]:
        def endpoint(driver_id: DriverIdPath, body: ReviewRequest) -> dict[str, Any]:
            return _review(action, driver_id, body)

        return endpoint

    # The actions whose body is the reviewer, notes and execute alone.
    for action, summary in (
        (
            "create-lead",
            "Create the missing migrations lead, its event and lead link → resolved_created_lead.",
        ),
        ("purge", "Delete the driver link (its content kept in the history) → purged. Final."),
        ("undo", "Undo the driver's last review action → quarantined again."),
    ):
        app.post(
            f"{PREFIX}/{{driver_id}}/{action}",
            response_model=ReviewResult,
            dependencies=[Writer],
            responses=ERRORS,
            name=action.replace("-", "_"),
            description=summary,
        )(_action_endpoint(action))

    @app.get(
        f"{PREFIX}/{{driver_id}}/history",
        response_model=DriverHistory,
        dependencies=[Reader],
        responses=ERRORS,
    )
    def history(driver_id: DriverIdPath) -> dict[str, Any]:
        """The quarantine row, its evidence and every transition, oldest first."""
        return review.driver_history(engine(), driver_id)

    @app.post(
        "/orphans/read-session",
        status_code=status.HTTP_204_NO_CONTENT,
        dependencies=[Writer],
        include_in_schema=False,
    )
    def read_session(request: Request) -> Response:
        """The page's read cookie (HttpOnly), for a caller that sent the token in the header."""
        response = Response(status_code=status.HTTP_204_NO_CONTENT)
        start_read_session(request, response, request.app.state.settings)
        return response

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/orphans")

    app.include_router(page.router(engine))
    return app
