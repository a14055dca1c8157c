"""The code location: every Dagster definition of the orphans pipeline.

Importing this module reads no environment. The deployment's settings are read when the code
location loads: Dagster finds `orphans_definitions` (`@dg.definitions`, its lazy entry point) and
calls it in each process that loads the location (the code server, a run worker), so each
process decides with its own environment. The schedules' timezone is read there, as a string,
because a schedule's `execution_timezone` takes no `EnvVar`; the resources get `dg.EnvVar`s
(defs/resources.py), which Dagster resolves where they are set up; they are sealed, so no
run config can change them.

`defs`, kept for the callers that name it (`launch.fix_job_definition`, for the in-process
runs of the tests and the benchmark; the tests), is that load, built on each access of the
attribute (a module `__getattr__`): `from orphans_pipeline.definitions import defs` takes the
load of the moment it runs.
"""

import os

import dagster as dg

from orphans_pipeline.defs import assets, checks, lifetime
from orphans_pipeline.defs.alerts import ALERT_SENSORS
from orphans_pipeline.defs.claims import (
    cabinet_claims_computed,
    cabinet_claims_daily_schedule,
    cabinet_claims_job,
)
from orphans_pipeline.defs.jobs import orphans_dry_run_job, orphans_fix_job
from orphans_pipeline.defs.reconcile import orphans_dead_run_sensor
from orphans_pipeline.defs.resources import AlertTargets, CT4Database, sealed
from orphans_pipeline.defs.review import orphans_review_job
from orphans_pipeline.defs.schedules import (
    DEFAULT_TIMEZONE,
    orphans_full_sweep_monthly_schedule,
    orphans_weekly_schedule,
)

TIMEZONE_VARIABLE = "ORPHANS_SCHEDULE_TIMEZONE"


def build_definitions(
    schedule_timezone: str = DEFAULT_TIMEZONE,
    ct4: CT4Database | None = None,
    alert_targets: AlertTargets | None = None,
) -> dg.Definitions:
    """All definitions; tests pass their own `ct4` resource to point at a test database.

    The resources left out are the deployment's (`from_environment`: EnvVars where set).
    """
    return dg.Definitions(
        assets=[
            assets.detected_orphans,
            assets.classified_orphans,
            assets.apply_orphan_fixes,
            assets.ops_views,
            cabinet_claims_computed,
        ],
        asset_checks=[
            checks.ops_views_proofs,
            checks.quarantine_has_audit_trail,
            checks.no_driver_links_recorded_without_lead,
        ],
        jobs=[orphans_fix_job, orphans_dry_run_job, orphans_review_job, cabinet_claims_job],
        schedules=[
            orphans_weekly_schedule(schedule_timezone),
            orphans_full_sweep_monthly_schedule(schedule_timezone),
            cabinet_claims_daily_schedule(schedule_timezone),
        ],
        sensors=[*ALERT_SENSORS, orphans_dead_run_sensor],
        # Sealed: no launch may repoint a resource (`resources.ct4.config.database_url`).
        resources={
            "ct4": sealed(ct4 or CT4Database.from_environment()),
            "alert_targets": sealed(alert_targets or AlertTargets.from_environment()),
            # Dagster's default, whose `base_dir` a launch could otherwise move.
            "io_manager": sealed(dg.FilesystemIOManager()),
        },
    )


def schedule_timezone() -> str:
    """The deployment's ORPHANS_SCHEDULE_TIMEZONE (default America/Lima), read when called."""
    return os.environ.get(TIMEZONE_VARIABLE) or DEFAULT_TIMEZONE


@dg.definitions
def orphans_definitions() -> dg.Definitions:
    """The code location as the deployment configures it (workspace.yaml, `dg`).

    Loaded in a code server that a workspace started, it also makes sure that server ends
    once its parent has; in any code server, that it ends soon after it is told to; in any
    process (a code server, a run worker), that the process exits without the collector's
    passes over Dagster's objects (defs/lifetime.py)."""
    lifetime.watch_parent()
    lifetime.quicken_shutdown()
    lifetime.freeze_at_exit()
    return build_definitions(schedule_timezone())


# Declared, not assigned: each access goes through __getattr__ below.
defs: dg.Definitions


def __getattr__(name: str) -> dg.Definitions:
    if name == "defs":
        return orphans_definitions()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
