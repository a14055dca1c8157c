"""Review decisions from the Dagster launchpad: the same core functions as the CLI."""

from typing import Literal

import dagster as dg
from pydantic import Field

from orphans_pipeline.core import integrity, review, views
from orphans_pipeline.core.vocabulary import AssetName, JobName, RunTag
from orphans_pipeline.defs.metadata import numeric
from orphans_pipeline.defs.resources import CT4Database


class ReviewConfig(dg.Config):
    # The values of ReviewAction (a test holds them equal): a Literal of strings, because
    # Dagster's config would take an Enum by its member names (RELINK), not its values.
    action: Literal["relink", "create-lead", "purge", "undo"] = Field(
        description="relink, create-lead, purge, or undo the driver's last review action"
    )
    driver_id: str = Field(description="A driver of canon.driver_orphan_quarantine")
    reviewer: str = Field(description="Your name, recorded in the history")
    notes: str = Field(default="", description="Why: recorded in the history")
    source_table: str | None = Field(default=None, description="relink: the lead's table")
    source_pk: str | None = Field(default=None, description="relink: the lead's source_pk")
    execute: bool = Field(default=False, description="Apply (default: preview only)")


@dg.op(
    description=(
        "Apply (or preview) one reviewer decision on a quarantined driver, write its history "
        "row and, when applied, report the ops views' figures."
    )
)
def apply_review_decision(
    context: dg.OpExecutionContext, config: ReviewConfig, ct4: CT4Database
) -> None:
    engine = ct4.engine()
    outcome = review.review(
        engine,
        config.action,
        driver_id=config.driver_id,
        reviewer=config.reviewer,
        notes=config.notes,
        source_table=config.source_table,
        source_pk=config.source_pk,
        execute=config.execute,
        lock_wait_seconds=ct4.lock_wait_seconds,
    )
    summary = (
        f"{outcome.action} {outcome.driver_id}: {outcome.from_status} -> "
        f"{outcome.to_status} by {outcome.reviewer}"
    )
    if not config.execute:
        context.log.info("PREVIEW, nothing written: %s %s", summary, outcome.details)
        return
    context.log.info("Applied: %s", summary)
    context.log_event(
        dg.AssetMaterialization(
            asset_key=AssetName.DRIVER_ORPHAN_QUARANTINE.value,
            description=summary,
            metadata={
                # Plain strings: Dagster refuses to serialize Enum members (the vocabulary's).
                "review_action": str(outcome.action),
                "driver_id": outcome.driver_id,
                "reviewer": outcome.reviewer,
                "to_status": str(outcome.to_status),
                "history_id": outcome.history_id or 0,
                **numeric(integrity.count_quarantine_by_status(engine), prefix="status_"),
            },
        )
    )
    context.log_event(
        dg.AssetMaterialization(
            asset_key=AssetName.OPS_VIEWS.value, metadata=numeric(views.count_ops_views(engine))
        )
    )


@dg.job(
    name=JobName.REVIEW.value,
    executor_def=dg.in_process_executor,
    tags={RunTag.PIPELINE.value: "review"},
    description="One reviewer decision (relink, create-lead, purge, undo); a preview by default.",
)
def orphans_review_job() -> None:
    apply_review_decision()
