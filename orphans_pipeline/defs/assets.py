"""The five assets of the orphans flow: detect -> classify -> relink + quarantine -> views."""

from collections.abc import Iterator
from typing import Any

import dagster as dg

from orphans_pipeline.core import catalog, classify, detect, fix, integrity, quarantine, runs, views
from orphans_pipeline.core.faults import crash_point

# Dagster serializes its definitions and refuses Enum members: it is given their strings.
from orphans_pipeline.core.vocabulary import AssetName, RunTag
from orphans_pipeline.defs.metadata import (
    OWNERS,
    QUARANTINE_FRESHNESS,
    numeric,
    row_count,
    short_keys,
    table_metadata,
    table_preview,
)
from orphans_pipeline.defs.resources import CT4Database, FixConfig

GROUP = "orphans"


def _options(config: FixConfig, ct4: CT4Database) -> fix.FixOptions:
    lock_wait = config.lock_wait_seconds
    return fix.FixOptions(
        execute=config.execute,
        limit=config.limit,
        output_dir=config.output_dir,
        lock_wait_seconds=ct4.lock_wait_seconds if lock_wait is None else lock_wait,
        full=config.full,
    )


@dg.asset(
    name=AssetName.DETECTED_ORPHANS.value,
    group_name=GROUP,
    kinds={"postgres"},
    owners=OWNERS,
    tags={"domain": "ct4_identity", "layer": "staging"},
    metadata=table_metadata("orphans.run_candidates"),
    config_schema=FixConfig.SCHEMA,
    description=(
        "Orphan drivers found this run: driver links whose person has no lead link (purged "
        "drivers excepted), plus the quarantine rows still `quarantined`: all of them in a "
        "full sweep (`full`, a first run, a new schema revision), else those whose judgement "
        "reads something that changed since the last execute (orphans.changed_keys). Staged "
        "in orphans.run_candidates; `limit` takes the first N by driver_id."
    ),
)
def detected_orphans(context: dg.AssetExecutionContext, ct4: CT4Database) -> dg.MaterializeResult:
    config = FixConfig.of(context.op_config)
    options = _options(config, ct4)
    output_dir = options.validated_output_dir()
    engine = ct4.ready_engine()
    runs.register_run(
        engine,
        context.run_id,
        execute=config.execute,
        limit=config.limit,
        output_dir=str(output_dir),
    )
    # Quarantine rows written outside the project since the last run get their first history
    # row before anything changes them (domain.md: adoption), in a transaction of their own.
    adopted = (
        quarantine.adopt_quarantine_rows(
            engine, context.run_id, lock_wait_seconds=options.lock_wait_seconds
        )
        if config.execute
        else 0
    )
    counts = detect.detect_orphans(engine, context.run_id, config.limit, full=config.full)
    full_sweep = bool(counts.pop("full_sweep"))
    return dg.MaterializeResult(
        metadata={
            **numeric(counts),
            "scope": "full" if full_sweep else "incremental",
            **({"adopted": adopted} if adopted else {}),
            "mode": config.mode(),
            # Shown only when set: "limit 0" read as "nothing taken".
            **({"limit": config.limit} if config.limit is not None else {}),
        }
    )


@dg.asset(
    name=AssetName.CLASSIFIED_ORPHANS.value,
    group_name=GROUP,
    kinds={"postgres"},
    owners=OWNERS,
    tags={"domain": "ct4_identity", "layer": "staging"},
    metadata=table_metadata("orphans.run_events"),
    deps=[detected_orphans],
    description=(
        "Evidence for each detected orphan from observational.lead_events: L1 (the payload "
        "names the driver), L2 (normalised license or phone), L3 (same person_key, weak), with "
        "ambiguous and claimed events flagged. Staged in orphans.run_events."
    ),
)
def classified_orphans(context: dg.AssetExecutionContext, ct4: CT4Database) -> dg.MaterializeResult:
    counts = classify.classify_orphans(ct4.engine(), context.run_id)
    return dg.MaterializeResult(metadata=numeric(counts))


RELINKED_LINKS = dg.AssetSpec(
    AssetName.RELINKED_LINKS.value,
    group_name=GROUP,
    kinds={"postgres"},
    owners=OWNERS,
    tags={"domain": "ct4_identity", "layer": "canon"},
    metadata=table_metadata("canon.identity_links"),
    deps=[classified_orphans],
    skippable=True,
    description=(
        "Lead links recreated in canon.identity_links (match_rule LEAD_EVENT_RECONSTRUCTION) "
        "for orphans with usable strong evidence. Materialized only by an execute: a dry run "
        "records an observation marked dry_run instead."
    ),
)
DRIVER_ORPHAN_QUARANTINE = dg.AssetSpec(
    AssetName.DRIVER_ORPHAN_QUARANTINE.value,
    group_name=GROUP,
    kinds={"postgres"},
    owners=OWNERS,
    tags={"domain": "ct4_identity", "layer": "canon"},
    metadata=table_metadata("canon.driver_orphan_quarantine"),
    # The weekly execute materializes it; 8 days without one shows as failing in the UI.
    freshness_policy=QUARANTINE_FRESHNESS,
    deps=[classified_orphans],
    skippable=True,
    description=(
        "canon.driver_orphan_quarantine, one audit row per candidate (resolved_relinked or "
        "quarantined with its reason and evidence), and the append-only history of every "
        "change. Materialized only by an execute."
    ),
)


@dg.multi_asset(
    specs=[RELINKED_LINKS, DRIVER_ORPHAN_QUARANTINE],
    can_subset=False,
    config_schema=FixConfig.SCHEMA,
)
def apply_orphan_fixes(
    context: dg.AssetExecutionContext, ct4: CT4Database
) -> Iterator[dg.MaterializeResult]:
    """Plan, and for an execute write, links + quarantine + history in one transaction."""
    config = FixConfig.of(context.op_config)
    engine = ct4.engine()
    options = _options(config, ct4)
    applied = fix.apply_run(
        engine,
        context.run_id,
        execute=config.execute,
        lock_wait_seconds=options.lock_wait_seconds,
    )
    preview = quarantine.outcome_preview(engine, context.run_id)
    registered = runs.get_run(engine, context.run_id)
    assert registered is not None, "detected_orphans registers the run"
    json_path, csv_path = fix.report_run(
        engine,
        context.run_id,
        execute=config.execute,
        stats=applied.stats,
        output_dir=options.validated_output_dir(),
        started_at=registered["started_at"],
    )
    stats = applied.stats
    reports = {
        "report_json": dg.MetadataValue.path(json_path),
        "report_csv": dg.MetadataValue.path(csv_path),
    }
    context.instance.add_run_tags(
        context.run_id,
        {
            RunTag.MODE.value: config.mode(),
            RunTag.REPORT_JSON.value: json_path,
            RunTag.SUMMARY.value: (
                f"processed={stats['processed']} relinked={stats['resolved_relinked']} "
                f"quarantined={stats['quarantined']} links_created={stats['links_created']}"
            ),
        },
    )
    link_metadata: dict[str, Any] = {
        "links_created": stats["links_created"],
        "links_skipped": stats["links_skipped"],
        "conflicts": stats["conflicts"],
        "ambiguous": stats["ambiguous"],
        **reports,
    }
    quarantine_metadata: dict[str, Any] = {
        "processed": stats["processed"],
        "resolved_relinked": stats["resolved_relinked"],
        "quarantined": stats["quarantined"],
        "released": stats["released"],
        "newly_quarantined": stats["newly_quarantined"],
        "outcomes_preview": table_preview(short_keys(preview)),
        **reports,
    }
    if not config.execute:
        # A dry run must not look like an update: observations, never materializations.
        note = "DRY RUN: nothing was written; the figures are what an execute would do."
        for key, metadata in (
            (AssetName.RELINKED_LINKS.value, link_metadata),
            (AssetName.DRIVER_ORPHAN_QUARANTINE.value, quarantine_metadata),
        ):
            context.log_event(
                dg.AssetObservation(
                    asset_key=key,
                    metadata={
                        "dry_run": True,
                        "note": note,
                        **{
                            f"would_{k}" if isinstance(v, int) else k: v
                            for k, v in metadata.items()
                        },
                    },
                )
            )
        context.log.info(note + " Reports: %s, %s", json_path, csv_path)
        return
    by_status = integrity.count_quarantine_by_status(engine)
    yield dg.MaterializeResult(
        asset_key=AssetName.RELINKED_LINKS.value,
        metadata={**link_metadata, **row_count(catalog.count_identity_links(engine))},
    )
    yield dg.MaterializeResult(
        asset_key=AssetName.DRIVER_ORPHAN_QUARANTINE.value,
        metadata={
            **quarantine_metadata,
            "quarantine_rows_written": applied.quarantine_rows_written,
            "history_rows_appended": applied.history_rows,
            **numeric(by_status, prefix="status_"),
            **row_count(sum(by_status.values())),
        },
    )


@dg.asset(
    name=AssetName.OPS_VIEWS.value,
    group_name=GROUP,
    kinds={"postgres"},
    owners=OWNERS,
    tags={"domain": "ct4_identity", "layer": "ops"},
    deps=[RELINKED_LINKS, DRIVER_ORPHAN_QUARANTINE],
    description=(
        "The ops views (schema ops): operational drivers, C1 funnel v_cabinet_funnel_status, "
        "C2 payment calculation, C3/C4 cabinet claims, eligible drivers and v_driver_orphans. "
        "Every view reads drivers only through ops.v_operational_drivers, which excludes "
        "quarantined and purged drivers when read, so the run's exclusions hold as it commits: "
        "nothing is recomputed here (the trips-driven claims are the cabinet_claims_computed "
        "asset's). Fills the computed claims if they are still empty, then counts the claims "
        "list. Runs after an execute only."
    ),
)
def ops_views(context: dg.AssetExecutionContext, ct4: CT4Database) -> dg.MaterializeResult:
    crash_point("during_views")
    engine = ct4.engine()
    if views.populate_cabinet_claims_computed(engine):
        context.log.info("The computed claims were empty (a fresh install): filled them.")
    return dg.MaterializeResult(metadata=numeric(views.count_ops_views(engine)))
