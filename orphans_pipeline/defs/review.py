"""Review decisions from the Dagster launchpad: the same core functions as the CLI."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import dagster as dg

from orphans_pipeline.core import integrity, review, views
from orphans_pipeline.core.vocabulary import AssetName, JobName, ReviewAction, RunTag
from orphans_pipeline.defs.metadata import numeric
from orphans_pipeline.defs.resources import CT4Database

# Spelled by ReviewAction's values (`create-lead`), not its member names.
REVIEW_ACTIONS = dg.Enum("ReviewAction", [dg.EnumValue(action.value) for action in ReviewAction])


def _optional_text(description: str) -> dg.Field:
    return dg.Field(
        dg.Noneable(dg.String), default_value=None, is_required=False, description=description
    )


@dataclass(frozen=True)
class ReviewConfig:
    """One decision, as the launchpad types it: plain values only (see resources.FixConfig),
    so no field can read a variable of the code location into the history."""

    action: str
    driver_id: str
    reviewer: str
    notes: str = ""
    source_table: str | None = None
    source_pk: str | None = None
    execute: bool = False

    SCHEMA: ClassVar[dict[str, dg.Field]] = {
        "action": dg.Field(
            REVIEW_ACTIONS,
            description="relink, create-lead, purge, or undo the driver's last review action",
        ),
        "driver_id": dg.Field(dg.String, description="A driver of canon.driver_orphan_quarantine"),
        "reviewer": dg.Field(dg.String, description="Your name, recorded in the history"),
        "notes": dg.Field(
            dg.String, default_value="", is_required=False, description="Why: in the history"
        ),
        "source_table": _optional_text("relink: the lead's table"),
        "source_pk": _optional_text("relink: the lead's source_pk"),
        "execute": dg.Field(
            dg.Bool,
            default_value=False,
            is_required=False,
            description="Apply (default: preview only)",
        ),
    }

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> "ReviewConfig":
        return cls(**values)


@dg.op(
    config_schema=ReviewConfig.SCHEMA,
    description=(
        "Apply (or preview) one reviewer decision on a quarantined driver, write its history "
        "row and, when applied, report the ops views' figures."
    ),
)
def apply_review_decision(context: dg.OpExecutionContext, ct4: CT4Database) -> None:
    config = ReviewConfig.of(context.op_config)
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


@dg.config_mapping(config_schema=ReviewConfig.SCHEMA)
def review_run_config(values: dict[str, Any]) -> dict[str, object]:
    """The decision, for the one step that applies it (as the fix jobs map theirs)."""
    return {"ops": {apply_review_decision.name: {"config": values}}}


@dg.job(
    name=JobName.REVIEW.value,
    config=review_run_config,
    executor_def=dg.in_process_executor,
    tags={RunTag.PIPELINE.value: "review"},
    description="One reviewer decision (relink, create-lead, purge, undo); a preview by default.",
)
def orphans_review_job() -> None:
    apply_review_decision()
