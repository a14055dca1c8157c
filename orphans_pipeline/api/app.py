"""The FastAPI app: the runbook's endpoints under /api/v1/identity/orphans and the review page.

Every endpoint calls the same core functions as the CLI; the routers (`routes/`: the queue's
reads, the fix runs, the reviews; `page`: the review page) hold them. Bad input is answered
with 400 or 422 and a message; a refused action with 404 or 409; a database that cannot be
reached with 503; anything else is a bug, answered 500 and logged (`errors`).
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from orphans_pipeline.api import errors, page
from orphans_pipeline.api.auth import reader
from orphans_pipeline.api.fix_runs import FixRunLauncher
from orphans_pipeline.api.routes import orphans, reviews, runs
from orphans_pipeline.api.routes.deps import PREFIX
from orphans_pipeline.api.security import AllowedHosts, BodySizeLimit, SecurityHeaders
from orphans_pipeline.api.settings import ApiSettings
from orphans_pipeline.core import db

__all__ = ["PREFIX", "create_app"]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.launcher.close()


def create_app(
    api_settings: ApiSettings | None = None,
    engine: Callable[[], Engine] = db.get_engine,
    launcher: FixRunLauncher | None = None,
) -> FastAPI:
    # No /docs nor /redoc: FastAPI's load Swagger UI and ReDoc from a CDN, scripts of a third
    # party on the origin whose page keeps the token; no installed package ships them. The
    # schema is at /openapi.json, for any OpenAPI viewer.
    app = FastAPI(
        title="orphans_pipeline",
        version="1",
        summary="CT4 orphan drivers: the review queue, its figures, run-fix and review actions.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = api_settings or ApiSettings.from_env()
    app.state.engine = engine
    app.state.launcher = launcher or FixRunLauncher()
    # Outermost last: headers on every answer, then the Host check, then the body limit, all
    # before routing, parsing and authentication; a bug's 500 inside them all.
    app.add_middleware(errors.InternalErrors)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=app.state.settings.max_body_bytes,
        timeout_seconds=app.state.settings.body_timeout_seconds,
    )
    app.add_middleware(AllowedHosts, allowed=app.state.settings.allowed_hosts)
    app.add_middleware(SecurityHeaders)
    errors.install_handlers(app)

    read = reader(app.state.settings)
    for routes in (orphans, runs, reviews):
        app.include_router(routes.router(read))
    app.include_router(page.router(engine))
    return app
