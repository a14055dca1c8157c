"""The orphans jobs, and the executor that brackets each of their runs.

The executor runs in the run worker for the whole run, whatever process each step runs in: it
holds the run's liveness session from before the first step until the registry row is closed,
after the last check (`runs.RunLiveness`), so a dead-run check never depends on the steps
sharing one process with a module-level connection.
"""

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import dagster as dg

# The in-process and multiprocess executors are wrapped, not replaced: their config, retries and
# step order stay Dagster's own (pinned 1.13.27).
from dagster._core.definitions.executor_definition import (
    IN_PROC_CONFIG,
    MULTI_PROC_CONFIG,
    _core_multiprocess_executor_creation,
    multiple_process_executor_requirements,
)
from dagster._core.execution.retries import RetryMode
from dagster._core.execution.step_dependency_config import StepDependencyConfig
from dagster._core.executor.base import Executor
from dagster._core.executor.in_process import InProcessExecutor
from sqlalchemy import Engine

from orphans_pipeline.core import runs
from orphans_pipeline.core.vocabulary import AssetName, JobName, RunTag
from orphans_pipeline.defs import assets
from orphans_pipeline.defs.assets import GROUP
from orphans_pipeline.defs.resources import CT4Database, DryRunConfig, FixConfig

# Runs carrying this tag are limited to one at a time by dagster.yaml's run queue.
PIPELINE_TAG = {RunTag.PIPELINE.value: "fix"}
# Plain strings (`.value`): Dagster's serializer refuses enum members in its snapshots.
FIX_JOB = JobName.FIX.value
DRY_RUN_JOB = JobName.DRY_RUN.value
DRY_RUN_ASSETS = tuple(
    name.value
    for name in (
        AssetName.DETECTED_ORPHANS,
        AssetName.CLASSIFIED_ORPHANS,
        AssetName.RELINKED_LINKS,
        AssetName.DRIVER_ORPHAN_QUARANTINE,
    )
)


class RegistryClosingExecutor(Executor):
    """Dagster's own executor (`inner`), bracketed by the run's liveness and registry.

    Before the first step, it opens the run's liveness session on the CT4 database of the run's
    `ct4` resource; the steps then run as `inner` runs them (in this process or one process
    each); once the last one (a check, for an execute) is over, the registry row the first step
    opened is closed with the run's outcome: failed with the first step failure (a failed ERROR
    check included) or an interruption, succeeded otherwise; then the session is released. So
    `orphans.runs` and Dagster's run status tell one story, and a worker that dies mid-run
    leaves a `running` row without its session, which the next run or the dead-run sensor
    closes.
    """

    def __init__(self, inner: Executor) -> None:
        self.inner = inner

    @property
    def retries(self) -> RetryMode:
        return self.inner.retries

    @property
    def step_dependency_config(self) -> StepDependencyConfig:
        return self.inner.step_dependency_config

    def execute(self, plan_context: Any, execution_plan: Any) -> Iterator[dg.DagsterEvent]:
        run_id = plan_context.run_id
        with ExitStack() as stack:
            # No step runs without the session: a run working without it would look dead to
            # the dead-run check, which would fail it while it writes. The run fails here, before
            # anything is read or written, with the database's error (launch.run_errors).
            engine = _run_engine(plan_context, stack)
            liveness = stack.enter_context(runs.RunLiveness(engine, run_id))
            error: str | None = None
            try:
                for event in self.inner.execute(plan_context, execution_plan):
                    if error is None and event.is_step_failure:
                        error = _failure_message(event)
                    yield event
            except BaseException as exc:
                error = error or f"interrupted: {type(exc).__name__}: {exc}"
                raise
            finally:
                # Closed before the session is released (leaving the `with`): a running row
                # never lacks its session.
                runs.close_open_run(liveness.engine, run_id, error=error)


def _run_engine(plan_context: Any, stack: ExitStack) -> Engine:
    """The engine of the run's `ct4` resource, built as its steps build it: the job's resource
    definition, sealed (no run config can change it), its EnvVars resolved here, in the run
    worker."""
    resource = plan_context.job.get_definition().resource_defs["ct4"]
    built = stack.enter_context(dg.build_resources({"ct4": resource}))
    ct4: CT4Database = built.ct4
    return ct4.engine()


def _failure_message(event: dg.DagsterEvent) -> str:
    return f"{event.step_key}: {error_text(getattr(event.event_specific_data, 'error', None))}"


def check_results(instance: dg.DagsterInstance, run_id: str) -> list[dg.AssetCheckEvaluation]:
    """The asset check evaluations a run recorded, in order."""
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    evaluations = [
        record.event_log_entry.dagster_event.event_specific_data
        for record in records
        if record.event_log_entry.dagster_event is not None
    ]
    return [e for e in evaluations if isinstance(e, dg.AssetCheckEvaluation)]


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
        InProcessExecutor(
            retries=RetryMode.from_config(init_context.executor_config["retries"])  # type: ignore[arg-type]
        )
    )


@dg.executor(
    name="multiprocess",
    config_schema=MULTI_PROC_CONFIG,
    requirements=multiple_process_executor_requirements(),
)
def registry_closing_multiprocess_executor(
    init_context: dg.InitExecutorContext,
) -> RegistryClosingExecutor:
    """The same bracket around Dagster's multiprocess executor (one process per step): the
    liveness then lives in the run worker while each step runs in a process of its own."""
    return RegistryClosingExecutor(
        _core_multiprocess_executor_creation(init_context.executor_config)
    )


def _op_config(values: dict[str, object]) -> dict[str, object]:
    op_config = {"config": values}
    return {
        # The steps that read the run's config, named by their ops.
        "ops": {
            assets.detected_orphans.op.name: op_config,
            assets.apply_orphan_fixes.op.name: op_config,
        },
        # Step-level DEBUG events stay in the event log; the console shows INFO and up.
        "loggers": {"console": {"config": {"log_level": "INFO"}}},
    }


@dg.config_mapping(config_schema=FixConfig.SCHEMA)
def fix_run_config(values: dict[str, Any]) -> dict[str, object]:
    """One run config (execute, limit, output_dir) for the steps that read it."""
    return _op_config(FixConfig.of(values).as_run_config())


@dg.config_mapping(config_schema=DryRunConfig.SCHEMA)
def dry_run_config(values: dict[str, Any]) -> dict[str, object]:
    """limit and output_dir; `execute` is always false."""
    return _op_config(DryRunConfig.of(values).as_run_config())


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
