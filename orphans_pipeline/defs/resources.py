from typing import Any

import dagster as dg
from pydantic import Field
from sqlalchemy import Engine

from orphans_pipeline.core import db, schema
from orphans_pipeline.core.fix import DEFAULT_LOCK_WAIT_SECONDS


class CT4Database(dg.ConfigurableResource):
    """The CT4 PostgreSQL database the pipeline reads and repairs.

    `database_url` unset means DATABASE_URL, or the embedded server when that is unset too
    (started, or found running, when a run or a sensor sets the resource up); it is resolved
    when a run starts, never when the code location loads.
    """

    database_url: str | None = Field(
        default=None, description="postgresql:// URL; default: DATABASE_URL or embedded"
    )
    lock_wait_seconds: float = Field(
        default=DEFAULT_LOCK_WAIT_SECONDS,
        description="How long an execute waits for the pipeline's advisory lock",
    )

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # The code location's explicit start of the embedded server (DATABASE_URL unset): a run
        # worker or a sensor tick in another process finds it under the same ORPHANS_HOME.
        if self.database_url is None:
            db.start_database()

    def engine(self) -> Engine:
        return db.get_engine(self.database_url)

    def ready_engine(self) -> Engine:
        """The engine, once the database is known to carry the project's current schema.

        Every run (scheduled, launchpad, CLI, API) starts with it, so a stale schema fails the
        first step with "run `orphans-pipeline db upgrade`" before anything is read or written.
        """
        engine = self.engine()
        schema.require_current(engine)
        return engine


class FixConfig(dg.Config):
    """The run config of orphans_fix_job (an execute unless `execute: false`)."""

    execute: bool = Field(
        default=True,
        description=(
            "Write links, quarantine rows and history. `false` is a dry run, kept for the CLI "
            "and API; from the launchpad, run orphans_dry_run_job instead"
        ),
    )
    limit: int | None = Field(
        default=None, description="Take only the first N candidates (by driver_id)"
    )
    output_dir: str | None = Field(
        default=None, description="Where reports go, inside ORPHANS_REPORTS_ROOT"
    )
    lock_wait_seconds: float | None = Field(
        default=None,
        description="How long an execute waits for the pipeline's lock (default: the resource's)",
    )

    def mode(self) -> str:
        return "execute" if self.execute else "dry_run"

    def as_run_config(self) -> dict[str, Any]:
        return {
            "execute": self.execute,
            "limit": self.limit,
            "output_dir": self.output_dir,
            "lock_wait_seconds": self.lock_wait_seconds,
        }


class DryRunConfig(dg.Config):
    """The run config of orphans_dry_run_job: what an execute would do, nothing written."""

    limit: int | None = Field(
        default=None, description="Take only the first N candidates (by driver_id)"
    )
    output_dir: str | None = Field(
        default=None, description="Where reports go, inside ORPHANS_REPORTS_ROOT"
    )

    def as_run_config(self) -> dict[str, Any]:
        return {"execute": False, "limit": self.limit, "output_dir": self.output_dir}
