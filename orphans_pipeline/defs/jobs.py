import dagster as dg

from orphans_pipeline.core import runs
from orphans_pipeline.defs.assets import GROUP
from orphans_pipeline.defs.resources import FixConfig

# Runs carrying this tag are limited to one at a time by dagster.yaml's run queue.
PIPELINE_TAG = {"orphans/pipeline": "fix"}


@dg.config_mapping
def fix_run_config(config: FixConfig) -> dict[str, object]:
    """One run config (execute, limit, output_dir) for the steps that read it."""
    op_config = {"config": config.as_run_config()}
    return {
        "ops": {"detected_orphans": op_config, "apply_orphan_fixes": op_config},
        # Step-level DEBUG events stay in the event log; the console shows INFO and up.
        "loggers": {"console": {"config": {"log_level": "INFO"}}},
    }


@dg.failure_hook(required_resource_keys={"ct4"})
def record_failed_run(context: dg.HookContext) -> None:
    """Close the run in the registry as failed, with the step's error."""
    error = context.op_exception
    runs.finish_run(
        context.resources.ct4.engine(),
        context.run_id,
        succeeded=False,
        error=f"{context.op.name}: {type(error).__name__}: {error}" if error else context.op.name,
    )


orphans_fix_job = dg.define_asset_job(
    name="orphans_fix_job",
    selection=dg.AssetSelection.groups(GROUP),
    config=fix_run_config,
    executor_def=dg.in_process_executor,
    tags=PIPELINE_TAG,
    hooks={record_failed_run},
    description=(
        "Detect, classify, repair and quarantine CT4 orphan drivers, then refresh the ops views "
        "and prove zero operational orphans. A dry run unless `execute: true`."
    ),
)
