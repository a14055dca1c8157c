"""Asset checks: the proof. None runs in a dry run (their assets are not materialized then),
so a dry run can neither raise a false alert nor report a false pass; the UI keeps showing the
last execute's evaluations."""

from collections.abc import Iterator
from contextlib import ExitStack

import dagster as dg

from orphans_pipeline.core import integrity, sessions
from orphans_pipeline.core.vocabulary import AssetName, CheckName
from orphans_pipeline.defs.assets import ops_views
from orphans_pipeline.defs.resources import CT4Database


def _result(
    result: integrity.CheckResult,
    severity: dg.AssetCheckSeverity,
    what: str,
    description: str | None = None,
    check: dg.AssetCheckSpec | None = None,
) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=check.name if check is not None else None,
        asset_key=check.asset_key if check is not None else None,
        passed=result.passed,
        severity=severity,
        description=description or (f"{result.count} {what}" if result.count else f"no {what}"),
        metadata={
            "count": result.count,
            "driver_ids": dg.MetadataValue.json(result.driver_ids),
            **{
                key: dg.MetadataValue.json(value) if isinstance(value, dict | list) else value
                for key, value in result.details.items()
            },
        },
    )


# The ops views' two proofs: one step, the integrity query read beside the leak check, each on
# a session of its own (the database's two reads at once; one after the other they were
# 0.6 s + 0.4 s of every execute at 1,000,000 drivers, the second's among them).
NO_OPERATIONAL_ORPHANS = dg.AssetCheckSpec(
    CheckName.NO_OPERATIONAL_ORPHANS.value,
    asset=ops_views,
    blocking=True,
    description=(
        "domain.md's integrity query: driver links whose person has no lead link and whose "
        "driver is not `quarantined`. Must be 0 after an execute; a failure fails the run."
    ),
)
OPS_VIEWS_EXCLUDE_QUARANTINED_DRIVERS = dg.AssetCheckSpec(
    CheckName.OPS_VIEWS_EXCLUDE_QUARANTINED_DRIVERS.value,
    asset=ops_views,
    blocking=True,
    description=(
        "No quarantined or purged driver appears in any view of ops or observational with a "
        "driver_id, CT4's own included (the quarantine list ops.v_driver_orphans aside). A leak "
        "is an ERROR naming each view; one of CT4's views not read within its time budget "
        "(ORPHANS_LEAK_CHECK_VIEW_SECONDS) is a WARN naming it (and, cut once, is named "
        "without being read again for 28 days while its definitions stay and the budget is no "
        "larger). Proven by their definition instead of read: CT4's views the project gave the "
        "operational filter while it is still that filter's, and the project's own views while "
        "each is as the project created it (they take their drivers from "
        "ops.v_operational_drivers, always read), and CT4's funnel and two claims views while "
        "each is the definition CT4 ships and the data leave no excluded driver it could show."
    ),
)


@dg.multi_asset_check(
    specs=[NO_OPERATIONAL_ORPHANS, OPS_VIEWS_EXCLUDE_QUARANTINED_DRIVERS],
    can_subset=True,
    description="The ops views' proofs: the integrity query and the leak check, side by side.",
)
def ops_views_proofs(
    context: dg.AssetCheckExecutionContext, ct4: CT4Database
) -> Iterator[dg.AssetCheckResult]:
    selected = {key.name for key in context.selected_asset_check_keys}
    engine = ct4.engine()
    run_id = context.run.run_id
    with ExitStack() as stack:
        orphans = None
        if NO_OPERATIONAL_ORPHANS.name in selected:
            orphans = stack.enter_context(
                sessions.beside(
                    engine,
                    lambda conn: integrity.count_operational_orphans(engine, run_id, conn),
                    integrity.PROOF_THREADS,
                )
            )
        failed: Exception | None = None
        if OPS_VIEWS_EXCLUDE_QUARANTINED_DRIVERS.name in selected:
            try:
                leaks = integrity.count_ops_view_leaks(engine)
            except Exception as exc:  # an interrupt stops both; an error, the leak check alone
                failed = exc
            else:
                yield leaks_result(leaks)
        if orphans is not None:
            yield _result(
                orphans.result(),
                dg.AssetCheckSeverity.ERROR,
                "operational orphan drivers",
                check=NO_OPERATIONAL_ORPHANS,
            )
        if failed is not None:
            # Raised once the integrity query has its evaluation, as when each was its own step.
            raise failed


def leaks_result(leaks: integrity.CheckResult) -> dg.AssetCheckResult:
    """The leak check's evaluation: an ERROR for a leak (or a pass), a WARN for views unread."""
    check = OPS_VIEWS_EXCLUDE_QUARANTINED_DRIVERS
    what = "quarantined or purged drivers visible in ops views"
    if leaks.count or not leaks.details.get("unverified"):
        return _result(leaks, dg.AssetCheckSeverity.ERROR, what, check=check)
    # No leak found, but some of CT4's views could not be read within their time budget: a
    # warning naming them (the run goes on), not a proof.
    unread = ", ".join(leaks.details["unverified"])
    return _result(
        leaks,
        dg.AssetCheckSeverity.WARN,
        what,
        f"no leak in the views read; not read within the time budget: {unread}",
        check=check,
    )


@dg.asset_check(
    asset=AssetName.DRIVER_ORPHAN_QUARANTINE.value,
    name=CheckName.QUARANTINE_HAS_AUDIT_TRAIL.value,
    description=(
        "Every quarantine row has its reason, creation_rule and evidence, and its current "
        "status is the last transition of its history."
    ),
)
def quarantine_has_audit_trail(ct4: CT4Database) -> dg.AssetCheckResult:
    return _result(
        integrity.count_quarantine_audit_gaps(ct4.engine()),
        dg.AssetCheckSeverity.WARN,
        "quarantine rows without a complete audit trail",
    )


@dg.asset_check(
    asset=AssetName.DRIVER_ORPHAN_QUARANTINE.value,
    name=CheckName.NO_DRIVER_LINKS_RECORDED_WITHOUT_LEAD.value,
    description=(
        "No driver link was written without a lead link since the last successful execute: "
        "with the prevention guard in record mode (CT4's own ingestion writes such links), the "
        "links it recorded, which this run detects as orphans. WARN: CT4's ingestion is "
        "creating orphans; `orphans-pipeline db guard enforce` once it writes leads first."
    ),
)
def no_driver_links_recorded_without_lead(
    context: dg.AssetCheckExecutionContext, ct4: CT4Database
) -> dg.AssetCheckResult:
    return _result(
        integrity.count_recorded_driver_links(ct4.engine(), context.run.run_id),
        dg.AssetCheckSeverity.WARN,
        "driver links recorded without a lead link since the last execute",
    )
