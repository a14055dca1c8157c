"""The plan of every statement of a first execute at HEAD, and of the reads that use the rules,
as the database ran them: EXPLAIN (ANALYZE, BUFFERS) through auto_explain, nested statements
included (revision 0013 moved a run's statements into SECURITY DEFINER functions: a plain
EXPLAIN of `select orphans.detect_orphans(...)` shows one Result node).

    # capture: one shape at one size, a markdown report and its JSON
    python bench/plans.py capture --shape install --drivers 100000 --out DIR
    python bench/plans.py capture --shape demo --drivers 100000 --out DIR
    # compare two captures (a later change against this one): shapes, pages, times
    python bench/plans.py compare BEFORE.json AFTER.json --out DIR/compare.md

capture: the shape's template (bench/common.py; install on CT4's real schema unless
`--ct4 subset`), vacuumed and analyzed once so every copy has the same statistics; one copy at
the schema's head where the job runs once in this process, its statements recorded
(bench/replay.py); a second copy where they are replayed in one transaction with auto_explain
(log_analyze, log_buffers, log_nested_statements, JSON); then, on that state, the probes: the
review page's reads of one quarantined driver, the ownership of one lead row under every key
(`orphans.lead_row_links`: a cabinet row by external_id and by id, a scouting row linked under
CT4's md5 key and one under id::text), the guard's question, the ops views, and the guard
trigger on a driver link. The report gives each statement's time, the pages it read (shared
buffers hit + read, the work, which the machine's load does not change), its plan shape and,
for a function, every statement it ran (grouped by plan: calls, time, pages, the plan of the
costliest call); and which statements used the two indexes of the ownership lookups
(identity_links' unique (source_table, source_pk), module_ct_scouting_daily's primary key).

compare pairs the statements by name and occurrence, the nested ones by plan signature, and
says for each whether its plan shape is the same, with the pages and times of both. It
asserts no timing: the figures are for a reader.
"""

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import replay  # noqa: E402
from bench.common import (  # noqa: E402
    CT4_KINDS,
    SHAPES,
    Server,
    build_template,
    template_name,
    upgrade_in_process,
)
from orphans_pipeline.core import schema, settings, sql  # noqa: E402

# The rows the probes ask about, found on the state the replayed execute left.
PROBE_ROWS = """
select
    (select driver_id from canon.driver_orphan_quarantine
     where status = 'quarantined' and detected_reason = 'no_lead_has_events_repair_failed'
     order by driver_id limit 1) as driver_id,
    (select person_key::text from canon.identity_links
     where source_table = 'module_ct_cabinet_leads' order by id limit 1) as person_key,
    (select external_id from public.module_ct_cabinet_leads
     where external_id is not null order by id limit 1) as cabinet_external_pk,
    (select id::text from public.module_ct_cabinet_leads
     where external_id is null order by id limit 1) as cabinet_id_pk,
    (select source_pk from canon.identity_links
     where source_table = 'drivers' order by id limit 1) as operational_driver_id,
    (select scouting.id::text
     from public.module_ct_scouting_daily as scouting
     inner join canon.identity_links as link
         on link.source_table = 'module_ct_scouting_daily'
         and link.source_pk = orphans.scouting_source_key(
             scouting.scout_id, scouting.driver_phone, scouting.driver_license,
             scouting.registration_date::date)
     order by scouting.id limit 1) as scouting_md5_pk,
    (select link.source_pk from canon.identity_links as link
     where link.source_table = 'module_ct_scouting_daily' and link.source_pk ~ '^[0-9]+$'
     order by link.id limit 1) as scouting_id_pk
"""

GUARD_INSERT = """
insert into canon.identity_links (
    person_key, source_table, source_pk, snapshot_date, match_rule, match_score,
    confidence_level
) values (
    cast(:person_key as uuid), 'drivers', 'PLANS-PROBE', now(), 'PLANS_PROBE', 1, 'HIGH'
)
"""

# The two indexes every ownership lookup must use (found by their definition: their names
# differ between CT4's real schema and the subset).
OWNERSHIP_INDEXES = """
select
    (select string_agg(index.indexrelid::regclass::text, ', ')
     from pg_index as index
     where index.indrelid = 'canon.identity_links'::regclass
         and index.indisunique
         and pg_get_indexdef(index.indexrelid) ~ '\\(source_table, source_pk\\)$')
        as identity_links_source,
    (select string_agg(index.indexrelid::regclass::text, ', ')
     from pg_index as index
     where index.indrelid = 'public.module_ct_scouting_daily'::regclass
         and index.indisprimary) as scouting_primary_key
"""


# --- plans: pages, shapes, rendering --------------------------------------------------------


def pages(node: dict[str, Any]) -> int:
    return int(node.get("Shared Hit Blocks", 0)) + int(node.get("Shared Read Blocks", 0))


def node_label(node: dict[str, Any]) -> str:
    """A plan node without figures: type, join type, index, relation and alias."""
    label = str(node.get("Node Type", "?"))
    if node.get("Join Type") and label not in ("Hash", "Materialize"):
        label += f" ({node['Join Type']})"
    if node.get("Operation") and label == "ModifyTable":
        label = f"{node['Operation']}"
    if node.get("Index Name"):
        label += f" using {node['Index Name']}"
    if node.get("Relation Name"):
        label += f" on {node.get('Schema', '') + '.' if node.get('Schema') else ''}"
        label += str(node["Relation Name"])
        if node.get("Alias") and node["Alias"] != node["Relation Name"]:
            label += f" {node['Alias']}"
    if node.get("Function Name"):
        label += f" {node['Function Name']}()"
    if node.get("CTE Name"):
        label += f" {node['CTE Name']}"
    if node.get("Subplan Name"):
        label = f"[{node['Subplan Name']}] " + label
    return label


def walk(node: dict[str, Any], depth: int = 0) -> list[tuple[int, dict[str, Any]]]:
    out = [(depth, node)]
    for child in node.get("Plans", []):
        out += walk(child, depth + 1)
    return out


def shape(plan: dict[str, Any]) -> list[str]:
    """The plan's shape: one line per node, indented, without figures."""
    return ["  " * depth + node_label(node) for depth, node in walk(plan["Plan"])]


def signature(plan: dict[str, Any]) -> str:
    """What groups a function's many calls of one statement: its query, else its shape."""
    query = re.sub(r"\s+", " ", str(plan.get("Query Text") or "")).strip()
    if query:
        query = re.sub(r"'[^']*'", "'?'", query)[:300]
        return "query: " + query
    return "plan: " + " / ".join(shape(plan))[:600]


def rendered(plan: dict[str, Any]) -> list[str]:
    """The plan with its figures: rows, loops, time, pages, temp blocks (spills)."""
    lines = []
    for depth, node in walk(plan["Plan"]):
        figures = (
            f"rows={node.get('Actual Rows', '?')} loops={node.get('Actual Loops', '?')} "
            f"time={node.get('Actual Total Time', '?')} ms pages={pages(node)}"
        )
        temp = int(node.get("Temp Written Blocks", 0))
        if temp:
            figures += f" temp_written={temp}"
        for key in ("Index Cond", "Hash Cond", "Join Filter", "Filter"):
            if node.get(key):
                figures += f" {key.lower()}: {str(node[key])[:160]}"
        lines.append("  " * depth + "-> " + node_label(node) + f"  ({figures})")
    return lines


def indexes_used(plan: dict[str, Any]) -> set[str]:
    return {str(n["Index Name"]) for _, n in walk(plan["Plan"]) if n.get("Index Name")}


def seq_scans(plan: dict[str, Any]) -> set[str]:
    return {
        str(n.get("Relation Name"))
        for _, n in walk(plan["Plan"])
        if n.get("Node Type") == "Seq Scan" and n.get("Relation Name")
    }


# Plan keys kept only where they say something (not false, not zero): the JSON stays readable.
QUIET = (
    "Parallel Aware",
    "Async Capable",
    "Disabled",
    "Shared Dirtied Blocks",
    "Shared Written Blocks",
    "Local Hit Blocks",
    "Local Read Blocks",
    "Local Dirtied Blocks",
    "Local Written Blocks",
    "Temp Read Blocks",
    "Temp Written Blocks",
    "Rows Removed by Filter",
    "Rows Removed by Index Recheck",
    "Rows Removed by Join Filter",
)


def pruned(node: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in node.items() if not (k in QUIET and not v)}
    if "Query Text" in out:
        out["Query Text"] = str(out["Query Text"])[:2000]
    if "Plan" in out:
        out["Plan"] = pruned(out["Plan"])
    if "Plans" in out:
        out["Plans"] = [pruned(child) for child in out["Plans"]]
    return out


def summarize(
    name: str, step: str, module: str, seconds: float, plans: list[dict[str, Any]]
) -> dict[str, Any]:
    """One statement: its own plan (auto_explain logs it last) and its nested ones, grouped."""
    plans = [pruned(plan) for plan in plans]
    own = plans[-1] if plans else None
    groups: dict[str, dict[str, Any]] = {}
    for plan in plans[:-1]:
        key = signature(plan)
        group = groups.setdefault(
            key, {"signature": key, "calls": 0, "ms": 0.0, "pages": 0, "worst": plan}
        )
        group["calls"] += 1
        group["ms"] += plan["duration_ms"]
        group["pages"] += pages(plan["Plan"])
        if plan["duration_ms"] >= group["worst"]["duration_ms"]:
            group["worst"] = plan
    nested = sorted(groups.values(), key=lambda g: -g["ms"])
    return {
        "name": name,
        "step": step,
        "module": module,
        "ms": seconds * 1000,
        "pages": pages(own["Plan"]) if own else None,
        "plan": own,
        "nested": [
            {
                "signature": g["signature"],
                "calls": g["calls"],
                "ms": g["ms"],
                "pages": g["pages"],
                "plan": g["worst"],
            }
            for g in nested
        ],
    }


# --- capture --------------------------------------------------------------------------------


def autoexplained(url: str) -> tuple[Any, Any, list[str]]:
    """An engine and a connection with auto_explain on (notices collected into the list)."""
    engine = create_engine(settings.with_driver(url, "psycopg"))
    conn = engine.connect()
    notices: list[str] = []
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    raw.add_notice_handler(lambda diagnostic: notices.append(diagnostic.message_primary or ""))
    for setting in replay.AUTO_EXPLAIN:
        conn.execute(text(setting))
    conn.commit()
    return engine, conn, notices


def probe(url: str) -> list[dict[str, Any]]:
    """The reads and views that use the rules, on the state the replayed run left."""
    with psycopg.connect(url, autocommit=True) as plain:
        # The run rewrote the quarantine; analyzed here, so the views' plans see its rows.
        plain.execute("analyze canon.driver_orphan_quarantine")
    engine, conn, notices = autoexplained(url)
    rows = conn.execute(text(PROBE_ROWS)).mappings().one()
    conn.commit()
    probes: list[tuple[str, str, dict[str, Any]]] = [
        ("review: select_driver_detail", sql.load_text("queue/select_driver_detail"), {}),
        ("review: select_lead_candidates", sql.load_text("queue/select_lead_candidates"), {}),
        (
            "guard: select_person_has_lead_link",
            sql.load_text("guard/select_person_has_lead_link"),
            {"person_key": rows["person_key"]},
        ),
    ]
    for label, table, key in (
        ("cabinet row by external_id", "module_ct_cabinet_leads", rows["cabinet_external_pk"]),
        ("cabinet row by id", "module_ct_cabinet_leads", rows["cabinet_id_pk"]),
        ("scouting row linked under CT4's md5 key", "module_ct_scouting_daily", None),
        ("scouting row linked under id::text", "module_ct_scouting_daily", None),
    ):
        pk = key
        if pk is None:
            pk = rows["scouting_md5_pk"] if "md5" in label else rows["scouting_id_pk"]
        if pk is None:
            continue
        probes.append(
            (
                f"ownership: lead_row_links, {label}",
                "select * from orphans.lead_row_links(:source_table, :source_pk)",
                {"source_table": table, "source_pk": pk},
            )
        )
    probes += [
        ("view: ops.v_driver_origin (all)", "select count(*) from ops.v_driver_origin", {}),
        (
            "view: ops.v_driver_origin (one driver)",
            "select * from ops.v_driver_origin where driver_id = :driver_id",
            {"driver_id": rows["operational_driver_id"]},
        ),
        ("view: ops.v_cabinet_claims (all)", "select count(*) from ops.v_cabinet_claims", {}),
        (
            "view: ops.mv_cabinet_claims_collection (all)",
            "select count(*) from ops.mv_cabinet_claims_collection",
            {},
        ),
    ]
    out = []
    for label, body, params in probes:
        if ":driver_id" in body and "driver_id" not in params:
            params = {**params, "driver_id": rows["driver_id"]}
        notices.clear()
        started = time.perf_counter()
        conn.execute(text(body), params).fetchall()
        seconds = time.perf_counter() - started
        conn.rollback()
        plans = [p for p in (replay.parse_notice(n) for n in notices) if p is not None]
        out.append(summarize(label, "probe", "-", seconds, plans))
    # The guard trigger at statement end instead of commit, so its statements show.
    notices.clear()
    conn.execute(text("set constraints all immediate"))
    started = time.perf_counter()
    conn.execute(text(GUARD_INSERT), {"person_key": rows["person_key"]})
    seconds = time.perf_counter() - started
    conn.rollback()
    plans = [p for p in (replay.parse_notice(n) for n in notices) if p is not None]
    out.append(summarize("guard trigger (insert of a driver link)", "probe", "-", seconds, plans))
    conn.close()
    engine.dispose()
    return out


def capture(server: Server, args: argparse.Namespace, out: Path) -> Path:
    shape_name, drivers = args.shape, args.drivers
    ct4 = args.ct4 if shape_name == "install" else "subset"
    template = template_name(shape_name, drivers, ct4)
    if not (args.keep_template and server.exists(template)):
        _, seconds = build_template(server, shape_name, drivers, ct4)
        print(f"    template {template}: {seconds:.1f} s", flush=True)
    install = shape_name == "install"
    work = Path(tempfile.mkdtemp(prefix="orphans_plans_"))
    name = f"plans_{shape_name}_{drivers}_record"
    url = server.copy(template, name)
    if install:
        upgrade_in_process(url)
    recorded = replay.record(url, work)
    server.drop(name)
    name = f"plans_{shape_name}_{drivers}_explain"
    url = server.copy(template, name)
    if install:
        upgrade_in_process(url)
    replayed = replay.replay(url, recorded, explain=True)
    statements = [summarize(s.name, s.step, s.module, s.seconds, s.plans) for s in replayed]
    probes = probe(url)
    with psycopg.connect(url) as conn:
        row = conn.execute(OWNERSHIP_INDEXES).fetchone()
        version = str(conn.execute("show server_version").fetchone()[0])  # type: ignore[index]
    assert row is not None
    server.drop(name)
    shutil.rmtree(work, ignore_errors=True)
    if not args.keep_template:
        server.drop(template)
    result = {
        "shape": shape_name,
        "drivers": drivers,
        "ct4": ct4,
        "head": schema.head_revision(),
        "postgres": version,
        "captured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "ownership_indexes": {
            "identity_links (source_table, source_pk)": row[0],
            "module_ct_scouting_daily primary key": row[1],
        },
        "statements": statements,
        "probes": probes,
    }
    path = out / f"plans_{shape_name}_{drivers}.json"
    path.write_text(json.dumps(result, indent=1))
    path.with_suffix(".md").write_text(report(result))
    print(f"    written {path} and {path.with_suffix('.md').name}", flush=True)
    return path


# --- reports --------------------------------------------------------------------------------


def ownership_section(result: dict[str, Any]) -> list[str]:
    """Which statements and probes used the two ownership indexes; seq scans in the probes."""
    lines = ["## The ownership lookups' indexes", ""]
    for label, names in result["ownership_indexes"].items():
        wanted = {n.split(".")[-1] for n in str(names or "").split(", ") if n}
        users: list[str] = []
        for entry in result["statements"] + result["probes"]:
            calls = 0
            plans = ([entry["plan"]] if entry["plan"] else []) + [
                n["plan"] for n in entry["nested"]
            ]
            for plan in plans:
                if indexes_used(plan) & wanted:
                    calls += 1
            if calls:
                users.append(entry["name"])
        lines.append(
            f"- {label} (`{names}`): used by "
            + (", ".join(f"`{u}`" for u in dict.fromkeys(users)) if users else "**nothing**")
        )
    lines += ["", "The ownership probes (`orphans.lead_row_links`, one lead row):", ""]
    lines += [
        "| probe | indexes used | sequential scans | pages | ms |",
        "| --- | --- | --- | ---: | ---: |",
    ]
    for entry in result["probes"]:
        if not entry["name"].startswith("ownership"):
            continue
        plans = ([entry["plan"]] if entry["plan"] else []) + [n["plan"] for n in entry["nested"]]
        used = sorted(set().union(*(indexes_used(p) for p in plans))) if plans else []
        scans = sorted(set().union(*(seq_scans(p) for p in plans))) if plans else []
        lines.append(
            f"| {entry['name'].split(', ', 1)[1]} | {', '.join(used) or 'none'} "
            f"| {', '.join(scans) or 'none'} | {entry['pages'] or ''} | {entry['ms']:.2f} |"
        )
    return [*lines, ""]


def entry_section(index: int, entry: dict[str, Any]) -> list[str]:
    plan = entry["plan"]
    lines = [
        f"### {index}. {entry['name']} ({entry['step']}, {entry['module']}): "
        f"{entry['ms']:.1f} ms, {entry['pages'] if entry['pages'] is not None else '?'} pages",
        "",
    ]
    if plan:
        lines += ["```", *rendered(plan), "```", ""]
    if entry["nested"]:
        lines += [
            f"Statements it ran ({sum(n['calls'] for n in entry['nested'])}), by plan:",
            "",
        ]
        for nested in entry["nested"]:
            lines += [
                f"- {nested['calls']} call(s), {nested['ms']:.1f} ms, {nested['pages']} pages; "
                f"the costliest ({nested['plan']['duration_ms']:.1f} ms):",
                "",
                "  ```",
                *["  " + line for line in rendered(nested["plan"])],
                "  ```",
            ]
        lines.append("")
    return lines


def report(result: dict[str, Any]) -> str:
    total_ms = sum(s["ms"] for s in result["statements"])
    lines = [
        f"# Plans of a first execute: {result['shape']} shape, {result['drivers']:,} drivers",
        "",
        f"`bench/plans.py capture`, {result['captured']}: schema head {result['head']}, "
        f"PostgreSQL {result['postgres']}, CT4 "
        + ("as it really is (ct4_real_schema.sql)" if result["ct4"] == "real" else "subset")
        + ". Every statement of a first execute, recorded from the job and replayed in one "
        "transaction with auto_explain (ANALYZE, BUFFERS, nested statements), then the probes "
        f"on the state it left. The replay took {total_ms / 1000:.1f} s with EXPLAIN ANALYZE's "
        "own overhead (the timings inside plans are inflated by it; the pages are not). Pages: "
        "shared buffers hit + read by the statement (its top node, children included).",
        "",
        *ownership_section(result),
        "## The run's statements",
        "",
        "| # | statement | step | ms | pages | statements it ran |",
        "| ---: | --- | --- | ---: | ---: | ---: |",
    ]
    for index, entry in enumerate(result["statements"], 1):
        calls = sum(n["calls"] for n in entry["nested"])
        lines.append(
            f"| {index} | {entry['name']} | {entry['step']} | {entry['ms']:.1f} "
            f"| {entry['pages'] if entry['pages'] is not None else ''} | {calls or ''} |"
        )
    lines += ["", "## Probes", ""]
    lines += ["| probe | ms | pages |", "| --- | ---: | ---: |"]
    for entry in result["probes"]:
        lines.append(f"| {entry['name']} | {entry['ms']:.2f} | {entry['pages'] or ''} |")
    lines += ["", "## Plans, statement by statement", ""]
    for index, entry in enumerate(result["statements"], 1):
        lines += entry_section(index, entry)
    lines += ["## Plans of the probes", ""]
    for index, entry in enumerate(result["probes"], 1):
        lines += entry_section(index, entry)
    return "\n".join(lines) + "\n"


def paired(
    before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> list[tuple[tuple[str, int], dict[str, Any] | None, dict[str, Any] | None]]:
    """(key, before, after) by name and occurrence; either side may be None."""

    def keyed(entries: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
        seen: dict[str, int] = {}
        out: dict[tuple[str, int], dict[str, Any]] = {}
        for entry in entries:
            seen[entry["name"]] = seen.get(entry["name"], 0) + 1
            out[(entry["name"], seen[entry["name"]])] = entry
        return out

    b, a = keyed(before), keyed(after)
    keys = list(b) + [k for k in a if k not in b]
    return [(key, b.get(key), a.get(key)) for key in keys]


def compare(before_path: Path, after_path: Path, out: Path) -> None:
    before = json.loads(before_path.read_text())
    after = json.loads(after_path.read_text())
    lines = [
        f"# Plans compared: {after['shape']} shape, {after['drivers']:,} drivers",
        "",
        f"Before: `{before_path.name}` (head {before['head']}, {before['captured']}, "
        f"{before['drivers']:,} drivers, CT4 {before['ct4']}). After: `{after_path.name}` "
        f"(head {after['head']}, {after['captured']}, {after['drivers']:,} drivers, CT4 "
        f"{after['ct4']}). Shape: the plan without its figures; pages: shared buffers hit + "
        "read (the work; times move with the machine's load).",
        "",
        "| statement | plan shape | pages before | pages after | ms before | ms after |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    details: list[str] = []
    for section in ("statements", "probes"):
        for (name, occurrence), b, a in paired(before[section], after[section]):
            label = name + (f" ({occurrence})" if occurrence > 1 else "")
            if b is None or a is None:
                lines.append(f"| {label} | {'new' if b is None else 'gone'} | | | | |")
                continue
            same = _shapes(b) == _shapes(a)
            lines.append(
                f"| {label} | {'same' if same else '**differs**'} | {b['pages'] or ''} "
                f"| {a['pages'] or ''} | {b['ms']:.1f} | {a['ms']:.1f} |"
            )
            if not same:
                details += [f"### {label}: before", "", "```", *_shapes(b), "```", ""]
                details += ["after:", "", "```", *_shapes(a), "```", ""]
    out.write_text("\n".join([*lines, "", *details]) + "\n")
    print(f"written {out}")


def _shapes(entry: dict[str, Any]) -> list[str]:
    """A statement's shape and its nested statements' (by signature, sorted)."""
    own = shape(entry["plan"]) if entry["plan"] else []
    nested = sorted(
        f"{n['signature'][:80]} x{n['calls']}: " + " / ".join(shape(n["plan"]))
        for n in entry["nested"]
    )
    return own + nested


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    capture_parser = commands.add_parser("capture", help="plans of a first execute, and probes")
    capture_parser.add_argument("--shape", choices=SHAPES, required=True)
    capture_parser.add_argument("--drivers", type=int, default=100_000)
    capture_parser.add_argument("--ct4", choices=CT4_KINDS, default="real")
    capture_parser.add_argument("--out", required=True, help="directory of the JSON and report")
    capture_parser.add_argument(
        "--keep-template", action="store_true", help="keep (and reuse) the template database"
    )
    compare_parser = commands.add_parser("compare", help="two captures, before and after")
    compare_parser.add_argument("before")
    compare_parser.add_argument("after")
    compare_parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.command == "compare":
        compare(Path(args.before), Path(args.after), Path(args.out))
        return 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    server = Server()
    print(f"== plans, {args.shape} shape, {args.drivers:,} drivers", flush=True)
    capture(server, args, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
