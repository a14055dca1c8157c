"""run-fix: launch a run of the fix job (a dry run unless `execute`), and read it back."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, status

from orphans_pipeline.api.auth import Writer
from orphans_pipeline.api.errors import responses, without_server_paths
from orphans_pipeline.api.fix_runs import FixRunLauncher
from orphans_pipeline.api.models import FixRun, RunFixRequest, RunFixStarted
from orphans_pipeline.api.routes.deps import PREFIX, DatabaseEngine, Settings, api_router

RUN_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def launcher_of(request: Request) -> FixRunLauncher:
    launcher: FixRunLauncher = request.app.state.launcher
    return launcher


def router(reader: Any) -> APIRouter:
    routes = api_router()

    @routes.post(
        "/run-fix",
        response_model=RunFixStarted,
        status_code=status.HTTP_202_ACCEPTED,
        dependencies=[Writer],
        responses=responses(409),
    )
    def run_fix(
        body: RunFixRequest, request: Request, engine: DatabaseEngine, current: Settings
    ) -> dict[str, Any]:
        """Launch orphans_fix_job; answer with its run id as soon as the run exists.

        Poll `runs/{run_id}` for its status, stats, drivers and reports. An execute also needs
        ENABLE_ORPHANS_FIX=true on the server.
        """
        if body.execute and not current.enable_fix:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                "executes through the API are disabled: set ENABLE_ORPHANS_FIX=true on the server",
            )
        run_id = launcher_of(request).launch(
            execute=body.execute,
            limit=body.limit,
            output_dir=body.output_dir,
            engine=engine,
            full=body.full,
        )
        return {
            "run_id": run_id,
            "execute": body.execute,
            "status_url": f"{PREFIX}/runs/{run_id}",
            "dagster_ui_url": f"{current.dagster_ui_url}/runs/{run_id}",
        }

    @routes.get(
        "/runs/{run_id}", response_model=FixRun, dependencies=[reader], responses=responses(404)
    )
    def fix_run(
        run_id: Annotated[str, Path(pattern=RUN_ID_PATTERN)],
        request: Request,
        engine: DatabaseEngine,
    ) -> dict[str, Any]:
        """A run's Dagster status, its stats, checks, reports and its first 100 drivers."""
        described: dict[str, Any] = launcher_of(request).describe(engine, run_id)
        if described.get("error"):
            described["error"] = without_server_paths(described["error"])
        return described

    return routes
