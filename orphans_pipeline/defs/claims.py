"""The trips-driven claims, their own asset on their own (daily) schedule.

The weekly run no longer recomputes them: the claims list CT4 reads filters them through the
operational drivers at read time (core/views.py), so only new trips call for a refresh.
"""

import dagster as dg

from orphans_pipeline.core import views
from orphans_pipeline.core.vocabulary import AssetName, JobName
from orphans_pipeline.defs.metadata import OWNERS, numeric
from orphans_pipeline.defs.resources import CT4Database

CLAIMS_GROUP = "ct4_claims"


@dg.asset(
    name=AssetName.CABINET_CLAIMS_COMPUTED.value,
    group_name=CLAIMS_GROUP,
    kinds={"postgres"},
    owners=OWNERS,
    tags={"domain": "ct4_identity", "layer": "ops"},
    metadata={"dagster/table_name": "orphans.mv_cabinet_claims_computed"},
    description=(
        "orphans.mv_cabinet_claims_computed: the cabinet 14-day milestone claims (C3) of every "
        "operational driver, recomputed from public.summary_daily and refreshed concurrently "
        "(readers never wait). The claims list for collection, ops.mv_cabinet_claims_collection, "
        "reads it through the operational drivers, so quarantines need no refresh; new trips "
        "and released drivers show after this asset runs."
    ),
)
def cabinet_claims_computed(
    context: dg.AssetExecutionContext, ct4: CT4Database
) -> dg.MaterializeResult:
    engine = ct4.engine()
    if views.refresh_cabinet_claims_computed(engine):
        context.log.info("First fill of the computed claims (created empty by the migration).")
    return dg.MaterializeResult(metadata=numeric(views.count_ops_views(engine)))


cabinet_claims_job = dg.define_asset_job(
    name=JobName.CABINET_CLAIMS.value,
    selection=dg.AssetSelection.assets(cabinet_claims_computed),
    executor_def=dg.in_process_executor,
    description="Recompute the cabinet claims from the trips (orphans.mv_cabinet_claims_computed).",
)


def cabinet_claims_daily_schedule(timezone: str) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="cabinet_claims_daily_schedule",
        job=cabinet_claims_job,
        cron_schedule="0 6 * * *",
        execution_timezone=timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=(
            f"Every day at 06:00 ({timezone}), after CT4's overnight trips ingestion: "
            "cabinet_claims_job."
        ),
    )
