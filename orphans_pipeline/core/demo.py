"""Demo data: a deterministic, realistic CT4 dataset with every case of domain.md, generated
inside PostgreSQL (generate_series), so a million drivers load in minutes."""

from dataclasses import dataclass

from sqlalchemy import Engine

from orphans_pipeline.core import guard, schema, sql

DEMO_FILES = (
    "demo/create_demo_plan",
    "demo/insert_demo_registry",
    "demo/insert_demo_drivers",
    "demo/insert_demo_driver_links",
    "demo/insert_demo_cabinet_leads",
    "demo/insert_demo_scouting_leads",
    "demo/insert_demo_migration_leads",
    "demo/insert_demo_lead_links",
    "demo/insert_demo_lead_events",
    "demo/insert_demo_junk_events",
    "demo/disable_quarantine_history_triggers",
    "demo/insert_demo_prior_quarantine",
    "demo/insert_demo_prior_history",
    "demo/enable_quarantine_history_triggers",
    "demo/insert_demo_trips",
    "demo/reset_demo_sequences",
    "demo/truncate_change_log",
    "demo/delete_judgement_watermark",
)

RESET_FILES = (
    "demo/drop_demo_schemas",
    "demo/drop_demo_public_tables",
    "demo/drop_demo_types",
)


class DemoDataRefused(RuntimeError):
    """The database holds data that is not demo data, or demo data already."""


@dataclass(frozen=True)
class DemoCounts:
    drivers: int
    table_rows: dict[str, int]


def _count(engine: Engine, name: str) -> int:
    if not schema.table_exists(engine, "canon.identity_registry"):
        return 0
    with engine.connect() as conn:
        return int(sql.run(conn, name).scalar_one())


def reset_demo_database(engine: Engine) -> None:
    """Drop and recreate the CT4 subset and the project's objects (demo databases only)."""
    if _count(engine, "demo/count_real_persons"):
        raise DemoDataRefused(
            "this database holds persons that are not demo data; refusing to drop anything"
        )
    with engine.begin() as conn:
        schema.run_files(conn, RESET_FILES)
    schema.create_ct4(engine)
    schema.upgrade(engine)


def check_demo_allowed(engine: Engine, drivers: int, *, replace: bool = False) -> None:
    """Refuse, having written nothing, a load this database must not take.

    Called before anything is created (schemas, tables, the guard): a refused `demo-data`
    leaves the database exactly as it was.
    """
    if drivers < 100:
        raise ValueError("--drivers must be at least 100, so that every case is present")
    if _count(engine, "demo/count_real_persons"):
        raise DemoDataRefused(
            "this database holds persons that are not demo data; demo data is only loaded "
            "into demo and test databases"
        )
    if not replace and _count(engine, "demo/count_demo_persons"):
        raise DemoDataRefused("demo data is already loaded; pass --replace to load it anew")


def prepare_and_load_demo_data(
    engine: Engine, drivers: int, seed: int, *, replace: bool = False
) -> DemoCounts:
    """`demo-data`: check first, then create the CT4 subset and the schema, then load."""
    check_demo_allowed(engine, drivers, replace=replace)
    if not replace:  # a replace recreates both (reset_demo_database)
        schema.create_ct4(engine)
        schema.upgrade(engine)
    return _load(engine, drivers, seed, replace=replace)


def load_demo_data(engine: Engine, drivers: int, seed: int, *, replace: bool = False) -> DemoCounts:
    """Generate `drivers` demo drivers for `seed`; `replace` first drops earlier demo data."""
    check_demo_allowed(engine, drivers, replace=replace)
    return _load(engine, drivers, seed, replace=replace)


def _load(engine: Engine, drivers: int, seed: int, *, replace: bool) -> DemoCounts:
    if replace:
        reset_demo_database(engine)
    with engine.begin() as conn, guard.legacy_orphan_links(conn):
        for name in DEMO_FILES:
            sql.run(conn, name, drivers=drivers, seed=seed)
    with engine.begin() as conn:
        sql.run(conn, "demo/analyze_demo_tables")
    # A demo database is the project's own: its guard refuses new orphans (domain.md).
    guard.set_guard_mode(engine, "enforce")
    return DemoCounts(drivers, table_counts(engine))


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = sql.run(conn, "demo/count_ct4_rows").mappings().one()
    return {key: int(value) for key, value in rows.items()}
