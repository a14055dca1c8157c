"""The code location: every Dagster definition of the orphans pipeline."""

import os

import dagster as dg

from orphans_pipeline.defs import assets, checks
from orphans_pipeline.defs.alerts import ALERT_SENSORS
from orphans_pipeline.defs.claims import (
    cabinet_claims_computed,
    cabinet_claims_daily_schedule,
    cabinet_claims_job,
)
from orphans_pipeline.defs.jobs import orphans_dry_run_job, orphans_fix_job
from orphans_pipeline.defs.reconcile import orphans_dead_run_sensor
from orphans_pipeline.defs.resources import CT4Database
from orphans_pipeline.defs.review import orphans_review_job
from orphans_pipeline.defs.schedules import DEFAULT_TIMEZONE, orphans_weekly_schedule


def build_definitions(
    schedule_timezone: str = DEFAULT_TIMEZONE, ct4: CT4Database | None = None
) -> dg.Definitions:
    """All definitions; tests pass their own `ct4` resource to point at a test database."""
    return dg.Definitions(
        assets=[
            assets.detected_orphans,
            assets.classified_orphans,
            assets.apply_orphan_fixes,
            assets.ops_views,
            cabinet_claims_computed,
        ],
        asset_checks=[
            checks.no_operational_orphans,
            checks.ops_views_exclude_quarantined_drivers,
            checks.quarantine_has_audit_trail,
        ],
        jobs=[orphans_fix_job, orphans_dry_run_job, orphans_review_job, cabinet_claims_job],
        schedules=[
            orphans_weekly_schedule(schedule_timezone),
            cabinet_claims_daily_schedule(schedule_timezone),
        ],
        sensors=[*ALERT_SENSORS, orphans_dead_run_sensor],
        resources={"ct4": ct4 or CT4Database()},
    )


# The schedule's timezone is a deployment setting, read when the code location loads.
defs = build_definitions(os.environ.get("ORPHANS_SCHEDULE_TIMEZONE", DEFAULT_TIMEZONE))
