"""Under the daemon: orphans runs whose worker died are reported failed, without waiting for the
next `fix` or `run-fix`, so a scheduled or launchpad run killed mid-way never holds the run
queue (Dagster's own run monitoring only times runs out: DefaultRunLauncher cannot tell a dead
worker)."""

import dagster as dg
from sqlalchemy.exc import DBAPIError

from orphans_pipeline.core import schema
from orphans_pipeline.defs import launch
from orphans_pipeline.defs.resources import CT4Database


@dg.sensor(
    name="orphans_dead_run_sensor",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description=(
        "Every minute: an orphans run whose worker process is gone (its registry session absent, "
        "its pid dead) is reported failed and closed in orphans.runs, so it never blocks the "
        "run queue."
    ),
)
def orphans_dead_run_sensor(context: dg.SensorEvaluationContext, ct4: CT4Database) -> dg.SkipReason:
    try:
        failed = launch.reconcile(context.instance, ct4.ready_engine())
    except (schema.SchemaNotReady, DBAPIError) as exc:
        return dg.SkipReason(f"cannot look at the runs: {exc}")
    if failed:
        context.log.warning("reported failed, their worker being gone: %s", ", ".join(failed))
        return dg.SkipReason(f"reported failed: {', '.join(failed)}")
    return dg.SkipReason("no orphans run has lost its worker")
