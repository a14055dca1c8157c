"""What `orphans-pipeline db upgrade` did to a database: the project's migrations, and a report
an operator of CT4 can check line by line (domain.md: the project adopts CT4's quarantine, its
enums and indexes, keeps CT4's views and changes none of its rows).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Engine

from orphans_pipeline.core import ct4_objects, guard, schema, sql

# What revision 0001 would have created, and CT4's migration 014 may have: used as found.
ADOPTABLE = (
    ("table", "canon.driver_orphan_quarantine"),
    ("type", "orphan_status"),
    ("type", "orphan_detected_reason"),
)
# The indexes the project would add, and CT4's of the same columns it uses instead.
ADOPTABLE_INDEXES = (
    ("canon.driver_orphan_quarantine", ["status"], "driver_orphan_quarantine_status_idx"),
    ("observational.lead_events", ["person_key"], "lead_events_person_key_idx"),
)


@dataclass
class UpgradeReport:
    revision_before: str | None
    revision_after: str | None
    created: dict[str, list[str]] = field(default_factory=dict)
    adopted: list[str] = field(default_factory=list)
    adopted_rows: int = 0
    kept_views: list[str] = field(default_factory=list)
    filtered_views: list[str] = field(default_factory=list)
    guard_mode: str | None = None
    claims_filled_seconds: float | None = None


def _objects(engine: Engine) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        rows = sql.run(conn, "schema/select_database_objects").mappings()
        return {(str(row["kind"]), str(row["name"])) for row in rows}


def _adopted_rows(engine: Engine) -> int:
    if not schema.table_exists(engine, "canon.driver_orphan_quarantine_history"):
        return 0
    with engine.connect() as conn:
        return int(sql.run(conn, "schema/count_adopted_quarantine_rows").scalar_one())


def upgrade(engine: Engine) -> UpgradeReport:
    """Apply the project's migrations (`schema.upgrade`) and say what they did: the objects
    created, CT4's objects adopted as they were, the quarantine rows adopted, CT4's views kept
    and filtered, and the guard's mode."""
    before = _objects(engine)
    revision_before = schema.current_revision(engine)
    rows_before = _adopted_rows(engine)
    filled = schema.upgrade(engine)
    after = _objects(engine)
    report = UpgradeReport(revision_before, schema.current_revision(engine))
    report.claims_filled_seconds = filled
    created: dict[str, list[str]] = defaultdict(list)
    for kind, name in sorted(after - before):
        created[kind].append(name)
    report.created = dict(created)
    if revision_before is None:
        report.adopted = [f"{kind} {name}" for kind, name in ADOPTABLE if (kind, name) in before]
        with engine.connect() as conn:
            for table, columns, ours in ADOPTABLE_INDEXES:
                found = ct4_objects.equivalent_index(conn, table, columns, ours)
                if found is not None:
                    report.adopted.append(f"index {table.split('.')[0]}.{found}")
    report.adopted_rows = _adopted_rows(engine) - rows_before
    with engine.connect() as conn:
        for view in sql.run(conn, "schema/select_ct4_views").mappings():
            kept = report.filtered_views if view["handling"] == "filtered" else report.kept_views
            kept.append(str(view["view_name"]))
    state = guard.guard_state(engine)
    report.guard_mode = state.mode if state else None
    return report


def report_lines(report: UpgradeReport) -> list[str]:
    """The report as `db upgrade` prints it, one fact per line."""
    was = report.revision_before or "none: a first install"
    lines = [f"Owned schema at revision {report.revision_after} (was {was})."]
    if report.adopted:
        lines.append("Adopted, CT4's own, used as they are: " + ", ".join(report.adopted) + ".")
    if report.adopted_rows:
        lines.append(
            f"Adopted {report.adopted_rows} quarantine row(s) found without a history: one "
            "history row each, with the row's evidence as found."
        )
    if report.created:
        total = sum(len(names) for names in report.created.values())
        lines.append(f"Created {total} object(s):")
        for kind, names in report.created.items():
            lines.append(f"  {kind} ({len(names)}): {', '.join(names)}")
    else:
        lines.append("Created nothing: the schema was already at this revision.")
    if report.kept_views:
        lines.append("CT4's views kept as they are: " + ", ".join(report.kept_views) + ".")
    if report.filtered_views:
        lines.append(
            "CT4's views given the operational filter (CT4's definition, same columns, "
            "quarantined and purged drivers left out): " + ", ".join(report.filtered_views) + "."
        )
    if report.claims_filled_seconds is not None:
        lines.append(
            "Claims list for collection computed from the trips in "
            f"{report.claims_filled_seconds:.1f} s."
        )
    if report.guard_mode == "record":
        lines.append(
            "Prevention guard: record (a driver link whose person has no lead link is accepted "
            "and recorded, as CT4's own ingestion writes them today; `orphans-pipeline db guard "
            "enforce` refuses them once CT4's ingestion writes the lead link first)."
        )
    elif report.guard_mode is not None:
        lines.append(f"Prevention guard: {report.guard_mode} (`orphans-pipeline db status`).")
    return lines


UNINSTALL_FILES = (
    "uninstall/restore_ct4_views",
    "uninstall/drop_project_ops_views",
    "uninstall/drop_project_triggers",
    "uninstall/drop_project_indexes",
    "uninstall/drop_orphans_schema",
    "uninstall/drop_dagster_schema",
    "uninstall/drop_alembic_version_table",
)


@dataclass
class DowngradeReport:
    executed: bool
    removed: dict[str, list[str]] = field(default_factory=dict)
    restored_views: list[str] = field(default_factory=list)


def downgrade(engine: Engine, *, execute: bool) -> DowngradeReport:
    """Take the project out of CT4 (`orphans-pipeline db downgrade`): CT4's filtered views get
    their own definition back; the project's views, triggers, indexes, functions, schemas
    (orphans, dagster) and version table go. What stays: CT4's own objects as they were, the
    quarantine table with its rows (adopted from CT4, or the audit record the project kept), its
    history with every row, the value the project added to CT4's reason enum (PostgreSQL cannot
    remove one), and the rows the runs and reviews wrote into CT4's tables (see
    docs/operations.md, "How to undo"). Needs the project's current revision (`db upgrade`
    first). One transaction; a preview rolls it back."""
    # It knows what is CT4's from revision 0012's record (orphans.ct4_views).
    schema.require_current(engine)
    before = _objects(engine)
    report = DowngradeReport(executed=execute)
    with engine.connect() as conn:
        transaction = conn.begin()
        views = sql.run(conn, "schema/select_ct4_views").mappings()
        report.restored_views = [
            str(view["view_name"]) for view in views if view["handling"] == "filtered"
        ]
        schema.run_files(conn, UNINSTALL_FILES)
        rows = sql.run(conn, "schema/select_database_objects").mappings()
        after = {(str(row["kind"]), str(row["name"])) for row in rows}
        if execute:
            transaction.commit()
        else:
            transaction.rollback()
    removed: dict[str, list[str]] = defaultdict(list)
    for kind, name in sorted(before - after):
        removed[kind].append(name)
    report.removed = dict(removed)
    return report


def downgrade_lines(report: DowngradeReport) -> list[str]:
    verb = "Removed" if report.executed else "Would remove (a preview: run with --execute)"
    total = sum(len(names) for names in report.removed.values())
    lines = [f"{verb} {total} object(s) the project added:"]
    for kind, names in report.removed.items():
        lines.append(f"  {kind} ({len(names)}): {', '.join(names)}")
    if report.restored_views:
        lines.append(
            "CT4's views given back their own definition: " + ", ".join(report.restored_views)
        )
    lines.append(
        "Kept: CT4's objects, canon.driver_orphan_quarantine and its history (every row), the "
        "value no_lead_has_events of orphan_detected_reason, and the rows runs and reviews "
        'wrote (docs/operations.md, "Taking the project out of CT4").'
    )
    return lines
