"""The resources and run configs of the code location.

Deployment settings reach the resources as `dg.EnvVar`s: the code location names the variable,
Dagster resolves its value where the resource is set up (the run worker, the sensor's tick),
and the value (a URL with a password, an SMTP login) never shows in run config or the UI. A
variable unset when the code location loads leaves the field at its default (the embedded
server, no alert target...), because Dagster fails a run on an EnvVar whose variable is unset;
each process that loads the code location (a run worker, the code server) decides with its
own environment, and nothing reads the environment inside the resources' methods. The code
location binds them `sealed`: no run config reaches them.

The run configs take plain values (String, Int, Float, Bool), never `{env: NAME}`.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import dagster as dg
from pydantic import Field
from sqlalchemy import Engine

from orphans_pipeline.core import alerts, db, embedded, schema, settings
from orphans_pipeline.core.fix import DEFAULT_LOCK_WAIT_SECONDS
from orphans_pipeline.core.vocabulary import RunMode


def env_var_if_set(name: str) -> dg.EnvVar | None:
    """`name` as a Dagster EnvVar when the environment sets it (non-empty), else None.

    Called when the code location loads (`definitions.orphans_definitions`), never at import.
    """
    var = dg.EnvVar(name)
    return var if var.get_value() else None


def resolved(name: str, value: str | None) -> str | None:
    """`value`, once Dagster has resolved it: an EnvVar itself is only a variable's name."""
    if isinstance(value, dg.EnvVar):
        raise dg.DagsterInvariantViolationError(
            f"{name} is the unresolved EnvVar {value.env_var_name}: use the resource as Dagster "
            "sets it up (a run, a sensor, dg.build_resources), not as constructed"
        )
    return value


class CT4Database(dg.ConfigurableResource):
    """The CT4 PostgreSQL database the pipeline reads and repairs.

    `database_url` is the EnvVar DATABASE_URL when the code location loads with it set (see
    `from_environment`); unset, it means the embedded server under `orphans_home` (the EnvVar
    ORPHANS_HOME, or the default home of settings), started, or found running, when a run or a
    sensor sets the resource up, never when the code location loads. Tests pass a URL.
    """

    database_url: str | None = Field(
        default=None, description="postgresql:// URL (DATABASE_URL); unset: the embedded server"
    )
    orphans_home: str | None = Field(
        default=None,
        description="The embedded server's home (ORPHANS_HOME) when database_url is unset",
    )
    lock_wait_seconds: float = Field(
        default=DEFAULT_LOCK_WAIT_SECONDS,
        description="How long an execute waits for the pipeline's advisory lock",
    )

    @classmethod
    def from_environment(cls) -> "CT4Database":
        """The deployment's resource: DATABASE_URL and ORPHANS_HOME as EnvVars where set."""
        return cls(
            database_url=env_var_if_set("DATABASE_URL"),
            orphans_home=env_var_if_set("ORPHANS_HOME"),
        )

    def home(self) -> Path:
        home = resolved("orphans_home", self.orphans_home)
        if home:
            return Path(home).expanduser().resolve()
        return settings.default_orphans_home()

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # The code location's explicit start of the embedded server: a run worker or a sensor
        # tick in another process finds it under the same home.
        if not self.database_url:
            db.start_embedded(self.home())

    def url(self) -> str:
        """The SQLAlchemy (psycopg 3) URL; the embedded server's must be running."""
        url = resolved("database_url", self.database_url)
        if url:
            settings.check_database_url("DATABASE_URL", url)
            return settings.with_driver(url, "psycopg")
        return settings.embedded_url(self.home(), embedded.CT4_DATABASE, "psycopg")

    def engine(self) -> Engine:
        return db.engine_for(self.url())

    def not_ready(self) -> str | None:
        """Why the database cannot serve the project yet (no schema of the project's, or an
        older one), in one line naming `db upgrade`; None when it can. The sensors say it
        rather than fail on whatever SQL they meet first."""
        try:
            schema.require_current(self.engine())
        except schema.SchemaNotReady as exc:
            return str(exc)
        return None

    def ready_engine(self) -> Engine:
        """The engine, once the database is known to carry the project's current schema.

        Every run (scheduled, launchpad, CLI, API) starts with it, so a stale schema fails the
        first step with "run `orphans-pipeline db upgrade`" before anything is read or written.
        """
        engine = self.engine()
        schema.require_current(engine)
        return engine


# Each field of AlertTargets and the variable it comes from (README, Environment).
ALERT_ENVIRONMENT = {
    "webhook_url": "ORPHANS_ALERT_WEBHOOK_URL",
    "smtp_host": "ORPHANS_ALERT_SMTP_HOST",
    "smtp_port": "ORPHANS_ALERT_SMTP_PORT",
    "email_to": "ORPHANS_ALERT_EMAIL_TO",
    "email_from": "ORPHANS_ALERT_EMAIL_FROM",
    "smtp_user": "ORPHANS_ALERT_SMTP_USER",
    "smtp_password": "ORPHANS_ALERT_SMTP_PASSWORD",
    "smtp_starttls": "ORPHANS_ALERT_SMTP_STARTTLS",
    "dagster_ui_url": "ORPHANS_DAGSTER_UI_URL",
    "timeout_seconds": "ORPHANS_ALERT_TIMEOUT_SECONDS",
    "freshness_days": "ORPHANS_FRESHNESS_DAYS",
}


class AlertTargets(dg.ConfigurableResource):
    """Where the alert sensors send (webhook, e-mail), how long one attempt may take, where
    alerts link runs, and when the freshness sensor alerts.

    Every field is the text of its variable (ALERT_ENVIRONMENT), an EnvVar where set when the
    code location loads; unset, the default of `core.alerts.AlertSettings`. The text is checked
    by `settings()`, when a sensor ticks: a bad value fails that tick with a message naming the
    variable. Delivery itself is `core.alerts` (no Dagster there).
    """

    webhook_url: str | None = Field(default=None, description="ORPHANS_ALERT_WEBHOOK_URL")
    smtp_host: str | None = Field(default=None, description="ORPHANS_ALERT_SMTP_HOST")
    smtp_port: str | None = Field(default=None, description="ORPHANS_ALERT_SMTP_PORT (25)")
    email_to: str | None = Field(
        default=None, description="ORPHANS_ALERT_EMAIL_TO, comma-separated"
    )
    email_from: str | None = Field(default=None, description="ORPHANS_ALERT_EMAIL_FROM")
    smtp_user: str | None = Field(default=None, description="ORPHANS_ALERT_SMTP_USER")
    smtp_password: str | None = Field(default=None, description="ORPHANS_ALERT_SMTP_PASSWORD")
    smtp_starttls: str | None = Field(default=None, description="ORPHANS_ALERT_SMTP_STARTTLS")
    dagster_ui_url: str | None = Field(default=None, description="ORPHANS_DAGSTER_UI_URL")
    timeout_seconds: str | None = Field(
        default=None, description="ORPHANS_ALERT_TIMEOUT_SECONDS (5, at most 60)"
    )
    freshness_days: str | None = Field(default=None, description="ORPHANS_FRESHNESS_DAYS (8)")

    @classmethod
    def from_environment(cls) -> "AlertTargets":
        """The deployment's resource: each variable that is set, as an EnvVar."""
        return cls(**{field: env_var_if_set(name) for field, name in ALERT_ENVIRONMENT.items()})

    def settings(self) -> alerts.AlertSettings:
        return alerts.AlertSettings.parse(
            {
                name: resolved(field, getattr(self, field))
                for field, name in ALERT_ENVIRONMENT.items()
            }
        )

    def freshness_limit(self) -> timedelta:
        days = alerts.parse_freshness_days(resolved("freshness_days", self.freshness_days))
        return timedelta(days=days)


# Run config is data typed by whoever launches a run (the launchpad, a schedule, the CLI), so
# it takes plain values only. A Pythonic `dg.Config` field of type `str`, `int` or `bool`
# becomes Dagster's StringSource, IntSource or BoolSource, which also take `{env: NAME}` and
# so would read any variable of the code location (DATABASE_URL, the storage URL, a token)
# into a run, its log and the history: these schemas use String, Int, Float and Bool instead.
def _optional(kind: Any, description: str) -> dg.Field:
    return dg.Field(
        dg.Noneable(kind), default_value=None, is_required=False, description=description
    )


LIMIT_FIELD = _optional(dg.Int, "Take only the first N candidates (by driver_id)")
OUTPUT_DIR_FIELD = _optional(dg.String, "Where reports go, inside ORPHANS_REPORTS_ROOT")
FULL_FIELD = dg.Field(
    dg.Bool,
    default_value=False,
    is_required=False,
    description=(
        "A full sweep: re-judge every row still quarantined, not only those whose inputs "
        "changed since the last execute (the monthly schedule sets it)"
    ),
)


@dataclass(frozen=True)
class FixConfig:
    """The run config of orphans_fix_job (an execute unless `execute: false`)."""

    execute: bool = True
    limit: int | None = None
    output_dir: str | None = None
    lock_wait_seconds: float | None = None
    full: bool = False

    SCHEMA: ClassVar[dict[str, dg.Field]] = {
        "execute": dg.Field(
            dg.Bool,
            default_value=True,
            is_required=False,
            description=(
                "Write links, quarantine rows and history. `false` is a dry run, kept for the "
                "CLI and API; from the launchpad, run orphans_dry_run_job instead"
            ),
        ),
        "limit": LIMIT_FIELD,
        "output_dir": OUTPUT_DIR_FIELD,
        "lock_wait_seconds": _optional(
            dg.Float,
            "How long an execute waits for the pipeline's lock (default: the resource's)",
        ),
        "full": FULL_FIELD,
    }

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> "FixConfig":
        return cls(**values)

    def mode(self) -> str:
        # Plain text: it goes into Dagster metadata, whose serializer refuses enum members.
        return (RunMode.EXECUTE if self.execute else RunMode.DRY_RUN).value

    def as_run_config(self) -> dict[str, Any]:
        return {
            "execute": self.execute,
            "limit": self.limit,
            "output_dir": self.output_dir,
            "lock_wait_seconds": self.lock_wait_seconds,
            "full": self.full,
        }


@dataclass(frozen=True)
class DryRunConfig:
    """The run config of orphans_dry_run_job: what an execute would do, nothing written."""

    limit: int | None = None
    output_dir: str | None = None
    full: bool = False

    SCHEMA: ClassVar[dict[str, dg.Field]] = {
        "limit": LIMIT_FIELD,
        "output_dir": OUTPUT_DIR_FIELD,
        "full": FULL_FIELD,
    }

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> "DryRunConfig":
        return cls(**values)

    def as_run_config(self) -> dict[str, Any]:
        return {
            "execute": False,
            "limit": self.limit,
            "output_dir": self.output_dir,
            "full": self.full,
        }


def sealed(
    resource: dg.ConfigurableResource | dg.ConfigurableIOManagerFactory,
) -> dg.ResourceDefinition:
    """`resource` as the code location binds it, with nothing a launch can set.

    A ConfigurableResource bound as it is keeps its fields in the run config
    (`resources.ct4.config.database_url`), so any launch could point the run at another
    database or read a variable through `{env: …}`. Sealed, its run config is the empty
    shape (any field is refused as unknown); Dagster still resolves the EnvVars the code
    location gave it, and runs its setup and teardown, where the run or the sensor tick sets
    it up.
    """

    def build(context: dg.InitResourceContext) -> Iterator[Any]:
        with dg.build_resources({"sealed": resource}, instance=context.instance) as built:
            yield built.sealed

    description = (type(resource).__doc__ or "").strip().split("\n")[0] or None
    if isinstance(resource, dg.ConfigurableIOManagerFactory):
        # Dagster takes a generator here too (it enters it as for any resource); its stub
        # names only a function returning the IO manager.
        return dg.IOManagerDefinition(
            resource_fn=build,  # type: ignore[arg-type]
            config_schema={},
            description=description,
        )
    return dg.ResourceDefinition(resource_fn=build, config_schema={}, description=description)
