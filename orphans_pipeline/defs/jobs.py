from collections.abc import Iterator
from typing import Any

import dagster as dg

# The in-process executor is extended, not replaced: its config, retries and step order stay
# Dagster's own (pinned 1.13.27).
from dagster._core.definitions.executor_definition import IN_PROC_CONFIG
from dagster._core.execution.retries import RetryMode
from dagster._core.executor.in_process import InProcessExecutor

from orphans_pipeline.core import runs
from orphans_pipeline.defs.assets import GROUP
from orphans_pipeline.defs.resources import DryRunConfig, FixConfig

# Runs carrying this tag are limited to one at a time by dagster.yaml's run queue.
PIPELINE_TAG = {"orphans/pipeline": "fix"}
FIX_JOB = "orphans_fix_job"
DRY_RUN_JOB = "orphans_dry_run_job"
DRY_RUN_ASSETS = (
    "detected_orphans",
    "classified_orphans",
    "relinked_links",
    "driver_orphan_quarantine",
)


class RegistryClosingExecutor(InProcessExecutor):
    """Dagster's in-process executor that closes the run registry at the run's real end.

    The steps run as usual; once the last one (a check, for an execute) is over, the registry
    row the first step opened is closed with the run's outcome: failed with the first step
    failure (a failed ERROR check included) or an interruption, succeeded otherwise. So
    `orphans.runs` and Dagster's run status tell one story.
    """

    def execute(self, plan_context: Any, execution_plan: Any) -> Iterator[dg.DagsterEvent]:
        error: str | None = None
        try:
            for event in super().execute(plan_context, execution_plan):
                if error is None and event.is_step_failure:
                    error = _failure_message(event)
                yield event
        except BaseException as exc:
            error = error or f"interrupted: {type(exc).__name__}: {exc}"
            raise
        finally:
            runs.close_open_run(plan_context.run_id, error=error)


def _failure_message(event: dg.DagsterEvent) -> str:
    return f"{event.step_key}: {error_text(getattr(event.event_specific_data, 'error', None))}"


def error_text(error: Any) -> str:
    """The user's error (the cause Dagster wraps), as `Type: message`, on one line."""
    if error is None:
        return "step failed"
    cause = error.cause if error.cause is not None else error
    text = " ".join(cause.message.split())
    qualified, _, rest = text.partition(": ")
    return f"{cause.cls_name}: {rest}" if qualified.endswith(cause.cls_name) else text


@dg.executor(name="in_process", config_schema=IN_PROC_CONFIG)
def registry_closing_executor(init_context: dg.InitExecutorContext) -> RegistryClosingExecutor:
    return RegistryClosingExecutor(
        retries=RetryMode.from_config(init_context.executor_config["retries"])  # type: ignore[arg-type]
    )


def _op_config(values: dict[str, object]) -> dict[str, object]:
    op_config = {"config": values}
    return {
        "ops": {"detected_orphans": op_config, "apply_orphan_fixes": op_config},
        # Step-level DEBUG events stay in the event log; the console shows INFO and up.
        "loggers": {"console": {"config": {"log_level": "INFO"}}},
    }


@dg.config_mapping
def fix_run_config(config: FixConfig) -> dict[str, object]:
    """One run config (execute, limit, output_dir) for the steps that read it."""
    return _op_config(config.as_run_config())


@dg.config_mapping
def dry_run_config(config: DryRunConfig) -> dict[str, object]:
    """limit and output_dir; `execute` is always false."""
    return _op_config(config.as_run_config())


orphans_fix_job = dg.define_asset_job(
    name=FIX_JOB,
    selection=dg.AssetSelection.groups(GROUP),
    config=fix_run_config,
    executor_def=registry_closing_executor,
    tags=PIPELINE_TAG,
    description=(
        "Detect, classify, repair and quarantine CT4 orphan drivers, then refresh the ops views "
        "and prove zero operational orphans. An execute; `execute: false` is a dry run (the "
        "views and checks are then skipped: prefer orphans_dry_run_job)."
    ),
)

orphans_dry_run_job = dg.define_asset_job(
    name=DRY_RUN_JOB,
    selection=dg.AssetSelection.assets(*DRY_RUN_ASSETS).without_checks(),
    config=dry_run_config,
    executor_def=registry_closing_executor,
    tags=PIPELINE_TAG,
    description=(
        "A dry run of orphans_fix_job: detect, classify and plan the links and quarantine "
        "outcomes on one snapshot, write the reports, change nothing in CT4. Without the views "
        "and the checks, so the last execute's check results stay on show."
    ),
)
