"""Run orphans_fix_job on the configured Dagster instance, in this process, so the run is
recorded in the instance's storage and shows in the UI like any other."""

from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from orphans_pipeline.core import db, fix, runs, schema
from orphans_pipeline.defs.jobs import PIPELINE_TAG

DRY_RUN_ASSETS = {
    dg.AssetKey(name)
    for name in (
        "detected_orphans",
        "classified_orphans",
        "relinked_links",
        "driver_orphan_quarantine",
    )
}


def orphans_fix_job_definition() -> dg.JobDefinition:
    from orphans_pipeline.definitions import defs

    return defs.resolve_job_def("orphans_fix_job")


@dataclass
class LaunchOutcome:
    run_id: str
    execute: bool
    succeeded: bool
    registry: dict[str, Any] | None
    failed_checks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    checks: dict[str, bool] = field(default_factory=dict)

    def summary_lines(self) -> list[str]:
        mode = "EXECUTE" if self.execute else "DRY RUN (nothing written)"
        lines = [f"orphans_fix_job run {self.run_id}: {mode}"]
        stats = runs.in_runbook_order((self.registry or {}).get("stats") or {})
        if stats:
            lines += ["", f"  {'stat':<34}{'value':>10}"]
            lines += [f"  {key:<34}{value:>10}" for key, value in stats.items()]
        if self.registry and self.registry.get("report_json_path"):
            lines += [
                "",
                f"  report (json): {self.registry['report_json_path']}",
                f"  report (csv):  {self.registry['report_csv_path']}",
            ]
        if self.checks:
            lines.append("")
            lines += [
                f"  check {name}: {'passed' if ok else 'FAILED'}"
                for name, ok in self.checks.items()
            ]
        elif not self.execute:
            lines += ["", "  checks: not run in a dry run (they report on an execute only)"]
        lines += [f"  FAILED CHECK: {name}" for name in self.failed_checks]
        lines += [f"  ERROR: {error}" for error in self.errors]
        lines.append("  result: " + ("succeeded" if self.succeeded else "FAILED"))
        return lines


def launch_fix_job(
    *,
    execute: bool,
    limit: int | None,
    output_dir: str | None,
    instance: dg.DagsterInstance | None = None,
    launched_by: str = "cli",
    tags: dict[str, str] | None = None,
) -> LaunchOutcome:
    # Refuse bad input here, before a run exists, with the core's own message.
    fix.FixOptions(execute=execute, limit=limit, output_dir=output_dir).validated_output_dir()
    schema.require_current(db.get_engine())
    run_config: dict[str, Any] = {"execute": execute, "limit": limit, "output_dir": output_dir}
    with _instance(instance) as active:
        job = dg.reconstructable(orphans_fix_job_definition)
        if not execute:
            # A dry run leaves the checks (and the views) out of the run altogether, so the UI
            # keeps showing the last execute's evaluations instead of "skipped".
            job = job.get_subset(asset_selection=DRY_RUN_ASSETS, asset_check_selection=set())
        result = dg.execute_job(
            job,
            instance=active,
            run_config=run_config,
            tags={
                **(tags or {}),
                **PIPELINE_TAG,
                "orphans/launched_by": launched_by,
                "orphans/mode": "execute" if execute else "dry_run",
            },
            raise_on_error=False,
        )
        failed_checks = [
            f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            for evaluation in result.get_asset_check_evaluations()
            if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
        ]
        errors = [
            f"{event.step_key}: {event.event_specific_data.error.message.strip()}"  # type: ignore[union-attr]
            for event in result.all_events
            if event.is_step_failure and event.event_specific_data is not None
        ]
        checks = {
            evaluation.check_name: evaluation.passed
            for evaluation in result.get_asset_check_evaluations()
        }
        registry = runs.get_run(db.get_engine(), result.run_id)
        return LaunchOutcome(
            run_id=result.run_id,
            execute=execute,
            succeeded=result.success and not failed_checks,
            registry=registry,
            failed_checks=failed_checks,
            errors=errors,
            checks=checks,
        )


class _instance:
    """The given instance, or the one DAGSTER_HOME describes (closed afterwards)."""

    def __init__(self, given: dg.DagsterInstance | None) -> None:
        self.given = given
        self.owned: dg.DagsterInstance | None = None

    def __enter__(self) -> dg.DagsterInstance:
        if self.given is not None:
            return self.given
        self.owned = dg.DagsterInstance.get()
        return self.owned

    def __exit__(self, *exc: object) -> None:
        if self.owned is not None:
            self.owned.dispose()
