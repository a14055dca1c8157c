"""The benchmark harness: the pipeline end to end against the job written by hand in SQL, a first
execute against a second with nothing changed and a second after 1 % of the drivers were
touched, with the targets of issue 22 beside each ratio, and where the seconds go.

For each data shape and size it builds a template database once (bench/common.py: **demo**, the
demo data on the CT4 subset; **install**, bench/dataset.py's production-shaped data with the
orphans present at install, on CT4's real schema by default, `--ct4 subset` for the project's
subset) and gives every measurement its own copy of it:

  copy A   (install: `orphans-pipeline db upgrade` on the live data, timed)
           first   `orphans-pipeline fix --execute`, end to end through Dagster
           second  the same again, nothing changed
           touch   bench/touch.sql: 1 % of the drivers touched (phones, licenses, new lead
                   events, events and lead rows deleted, lead links ingested)
           touched the same again after the touch
           full    where `fix --help` offers `--full`: a full sweep after that, which must
                   change nothing (same outcome, no history row)
  copy B   hand    bench/floor_job.sql: the job written by hand as set-based SQL, one psql
                   transaction; its outcome compared with the first execute's (digests of
                   statuses, reasons, persons and links); then the same touch and the hand-
                   written SQL again, compared with the touched execute's outcome
  copy C   dry     `orphans-pipeline fix` (a dry run)
  copy D/E replay  the statements of a first execute, recorded from the job in this process
                   (D) and replayed in one transaction (E): the database's own time, per step
  copy F   naive   (demo shape, up to --naive-max drivers) bench/naive.py, a per-driver loop

Every `orphans-pipeline` command runs through bench/timed_cli.py (the same CLI, its parts timed)
and the run's events are read from Dagster's instance: the results say where the seconds of
each first execute go (bench/fixed_cost.py). The PostgreSQL backends' peak memory is sampled
from /proc (bench/memory.py). Writes the results (markdown) and the same as JSON beside it;
`--baseline FILE.json` adds the growth per step from an earlier run's sizes (1M -> 10M).

`make bench SIZES=2000 BENCH_OUT=...` is what CI runs: it asserts no timing, and exits 3 when
an outcome comparison differs. Nothing here changes how the pipeline works.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import fixed_cost, replay, touch  # noqa: E402
from bench.common import (  # noqa: E402
    BIN,
    CT4_KINDS,
    RESULTS,
    SHAPES,
    Measure,
    Outcome,
    Server,
    active_seconds,
    build_template,
    dagster_env,
    history_rows,
    outcome,
    psql_binary,
    run_child,
    template_name,
    upgrade_in_process,
)
from bench.memory import BackendSampler, Peak  # noqa: E402

PHASES = ("detect", "classify", "apply", "views", "checks", "run")
STEP_PHASE = {
    "detected_orphans": "detect",
    "classified_orphans": "classify",
    "apply_orphan_fixes": "apply",
    "ops_views": "views",
    "run": "run",
}
RUNS = ("upgrade", "first", "second", "touched", "full", "hand", "dry", "replay", "naive")
# Issue 22's targets: (name, numerator, denominator, at most).
TARGETS = (
    ("first execute / hand-written SQL", "first", "hand", 1.5),
    ("second execute, nothing changed / first", "second", "first", 0.3),
    ("second execute, 1 % touched / first", "touched", "first", 0.4),
)


def phase_of(step: str) -> str:
    return STEP_PHASE.get(step, "checks")


def phases(steps: dict[str, float]) -> dict[str, float]:
    out = dict.fromkeys(PHASES, 0.0)
    for step, seconds in steps.items():
        out[phase_of(step)] += seconds
    return out


def full_flag() -> str | None:
    """`--full` where the CLI offers it (incremental runs with a full-sweep option)."""
    shown = subprocess.run(
        [str(BIN / "orphans-pipeline"), "fix", "--help"], capture_output=True, text=True
    )
    return "--full" if "--full" in shown.stdout else None


@dataclass
class ShapeResult:
    shape: str
    drivers: int
    ct4: str
    template_seconds: float = 0.0
    measures: dict[str, Measure] = field(default_factory=dict)
    comparisons: list[tuple[str, bool, str]] = field(default_factory=list)
    touched: dict[str, Any] = field(default_factory=dict)

    def ratio(self, numerator: str, denominator: str) -> float | None:
        top, bottom = self.measures.get(numerator), self.measures.get(denominator)
        if top is None or bottom is None or not bottom.seconds:
            return None
        return top.seconds / bottom.seconds

    def as_json(self) -> dict[str, Any]:
        return {
            "shape": self.shape,
            "drivers": self.drivers,
            "ct4": self.ct4,
            "template_seconds": self.template_seconds,
            "measures": {key: m.as_json() for key, m in self.measures.items()},
            "comparisons": self.comparisons,
            "touched": self.touched,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ShapeResult":
        result = cls(data["shape"], int(data["drivers"]), data.get("ct4", ""))
        result.template_seconds = data.get("template_seconds", 0.0)
        result.measures = {k: Measure.from_json(v) for k, v in data["measures"].items()}
        result.comparisons = [tuple(c) for c in data.get("comparisons", [])]
        result.touched = data.get("touched", {})
        return result


class Bench:
    def __init__(self, server: Server, work: Path, args: argparse.Namespace) -> None:
        self.server = server
        self.work = work
        self.runs = set(args.runs.split(","))
        self.ct4 = args.ct4
        self.naive_max = args.naive_max
        self.naive_seconds = args.naive_seconds
        self.plain_cli = args.plain_cli
        self.keep_templates = args.keep_templates
        self.full = full_flag()

    # --- one command, timed -------------------------------------------------------------------

    def sampled(self, url: str, step: Callable[[], Measure]) -> Measure:
        """Run step() while sampling the server's backends (where the server is local)."""
        try:
            sampler = BackendSampler(url)
        except (OSError, KeyError, ValueError):
            return step()
        with sampler:
            measure = step()
        measure.backend = sampler.peak
        return measure

    def cli(self, name: str, key: str, label: str, arguments: list[str]) -> Measure:
        """`orphans-pipeline <arguments>` on database `name`, with its parts and the database
        time of every session during it."""
        url = self.server.url(name)
        env = dagster_env(self.server, url, self.work)
        marks_file = self.work / f"{name}_{key}.marks.json"
        env["BENCH_MARKS"] = str(marks_file)
        command = (
            [str(BIN / "orphans-pipeline")]
            if self.plain_cli
            else [str(BIN / "python"), str(ROOT / "bench" / "timed_cli.py")]
        )
        db_before = active_seconds(self.server, name)
        dagster_before = active_seconds(self.server, "bench_dagster")
        seconds, rss, output, start, end = run_child(
            command + arguments, env, self.work / f"{name}_{key}.log"
        )
        measure = Measure(key, label, seconds, rss_mb=rss)
        measure.db_seconds = active_seconds(self.server, name) - db_before
        measure.dagster_db_seconds = active_seconds(self.server, "bench_dagster") - dagster_before
        if marks_file.exists():
            measure.marks = json.loads(marks_file.read_text())
        measure.marks.update(spawn=start, exit=end)
        found = re.search(r"orphans_(?:fix|dry_run)_job run (\S+):", output)
        if found:
            measure.run_id = found.group(1)
            _, measure.events = fixed_cost.run_events(env, measure.run_id)
            measure.steps = fixed_cost.step_seconds(measure.events)
        processed = re.search(r"processed\s+(\d+)", output)
        measure.note = f"processed {int(processed.group(1)):,}" if processed else ""
        claims = re.search(r"from the trips in ([0-9.]+) s", output)
        if claims:
            fill = float(claims.group(1))
            measure.steps = {"migrations": seconds - fill, "claims fill": fill}
            measure.note = f"claims fill {fill:.1f} s of it"
        return measure

    def fix(self, name: str, key: str, label: str, *extra: str) -> Measure:
        measure = self.sampled(
            self.server.url(name), lambda: self.cli(name, key, label, ["fix", *extra])
        )
        print(f"    {label}: {measure.seconds:.1f} s {measure.note}", flush=True)
        return measure

    def hand(self, name: str, key: str, label: str, run_id: str) -> Measure:
        """bench/floor_job.sql in one psql transaction."""
        url = self.server.url(name)

        def step() -> Measure:
            started = time.monotonic()
            script = str(ROOT / "bench" / "floor_job.sql")
            out = subprocess.run(
                [psql_binary(), "-X", "-q", "-d", url, "-v", f"run_id={run_id}", "-f", script],
                capture_output=True,
                text=True,
            )
            seconds = time.monotonic() - started
            if out.returncode != 0:
                raise RuntimeError(f"psql failed: {out.stderr[-3000:]}")
            count = sum(1 for line in out.stdout.splitlines() if line.startswith("Time: "))
            return Measure(key, label, seconds, note=f"{count} statements")

        measure = self.sampled(url, step)
        print(f"    {label}: {measure.seconds:.1f} s", flush=True)
        return measure

    def compare(self, result: ShapeResult, what: str, mine: Outcome, reference: Outcome) -> str:
        same = mine.same(reference)
        detail = mine.counts() if same else f"{mine.counts()} vs {reference.counts()}"
        result.comparisons.append((what, same, detail))
        print(f"    {what}: {'identical' if same else 'DIFFERS'} ({detail})", flush=True)
        return "outcome identical" if same else f"outcome DIFFERS ({detail})"

    # --- one shape at one size ----------------------------------------------------------------

    def copy(self, template: str, name: str, upgrade: bool) -> str:
        url = self.server.copy(template, name)
        if upgrade:
            upgrade_in_process(url)
            # A copy is checkpointed as it is made; an upgraded one (install) again after the
            # upgrade's writes, which otherwise fall due during the run measured next.
            self.server.checkpoint()
        return url

    def bench(self, shape: str, drivers: int) -> ShapeResult:
        ct4 = self.ct4 if shape == "install" else "subset"
        print(f"== {shape} shape, {drivers:,} drivers (CT4: {ct4})", flush=True)
        result = ShapeResult(shape, drivers, ct4)
        template = template_name(shape, drivers, ct4)
        if self.keep_templates and self.server.exists(template):
            print(f"    template {template}: kept from an earlier run", flush=True)
        else:
            _, result.template_seconds = build_template(self.server, shape, drivers, ct4)
            print(f"    template {template}: {result.template_seconds:.1f} s", flush=True)
        install = shape == "install"
        measures = result.measures
        base = f"bench_{shape}_{drivers}"

        # Copy A: the install, then the executes one after the other.
        if self.runs & {"upgrade", "first", "second", "touched", "full"}:
            name = f"{base}_a"
            self.copy(template, name, upgrade=install and "upgrade" not in self.runs)
            if install and "upgrade" in self.runs:
                measures["upgrade"] = self.sampled(
                    self.server.url(name),
                    lambda: self.cli(name, "upgrade", "db upgrade (install)", ["db", "upgrade"]),
                )
                print(f"    db upgrade: {measures['upgrade'].seconds:.1f} s", flush=True)
                self.server.checkpoint()  # as after any upgrade (copy)
            self.executes(result, name)
            self.server.drop(name)

        # Copy B: the job written by hand, before and after the same touch.
        if "hand" in self.runs:
            name = f"{base}_b"
            url = self.copy(template, name, upgrade=install)
            measures["hand"] = self.hand(name, "hand", "hand-written SQL", "floor")
            hand_first = outcome(url)
            if "first_outcome" in result.touched:
                measures["hand"].note += "; " + self.compare(
                    result,
                    "hand-written SQL vs first execute",
                    hand_first,
                    Outcome(**result.touched["first_outcome"]),
                )
            if "touched_outcome" in result.touched:
                touch.apply(url)
                measures["hand_touched"] = self.hand(
                    name, "hand_touched", "hand-written SQL after the touch", "floor-touched"
                )
                measures["hand_touched"].note += "; " + self.compare(
                    result,
                    "hand-written SQL vs touched execute, after the same touch",
                    outcome(url),
                    Outcome(**result.touched["touched_outcome"]),
                )
            self.server.drop(name)

        if "dry" in self.runs:
            name = f"{base}_c"
            self.copy(template, name, upgrade=install)
            measures["dry"] = self.fix(name, "dry", "dry run")
            self.server.drop(name)

        if "replay" in self.runs:
            name = f"{base}_d"
            url = self.copy(template, name, upgrade=install)
            recorded = replay.record(url, self.work)
            self.server.drop(name)
            name = f"{base}_e"
            url = self.copy(template, name, upgrade=install)
            started = time.monotonic()
            replayed = replay.replay(url, recorded)
            seconds = time.monotonic() - started
            measure = Measure(
                "replay", "replay of its statements (psycopg)", seconds, note=f"{len(replayed)}"
            )
            measure.statements = [(s.name, s.step, s.module, s.seconds) for s in replayed]
            measure.steps = replay.steps_of(replayed)
            measure.note = f"{len(replayed)} statements, one transaction"
            measures["replay"] = measure
            print(f"    replay: {seconds:.1f} s", flush=True)
            self.server.drop(name)

        if "naive" in self.runs and shape == "demo" and drivers <= self.naive_max:
            name = f"{base}_f"
            url = self.copy(template, name, upgrade=False)
            measures["naive"] = self.naive(url, name)
            print(f"    naive: {measures['naive'].seconds:.1f} s", flush=True)
            self.server.drop(name)

        if not self.keep_templates:
            self.server.drop(template)
        return result

    def executes(self, result: ShapeResult, name: str) -> None:
        """first, second, touch, touched, full: one after the other on copy `name`."""
        url = self.server.url(name)
        measures = result.measures
        if not self.runs & {"first", "second", "touched", "full"}:
            return
        measures["first"] = self.fix(name, "first", "first execute", "--execute")
        first = outcome(url)
        result.touched["first_outcome"] = first.__dict__
        if "second" in self.runs:
            measures["second"] = self.fix(
                name, "second", "second execute, nothing changed", "--execute"
            )
            measures["second"].note += "; " + self.compare(
                result, "second execute vs first (nothing changed)", outcome(url), first
            )
        if not self.runs & {"touched", "full"}:
            return
        touched = touch.apply(url)
        result.touched.update(
            drivers=touched.drivers, kinds=touched.kinds, rows=touched.rows, seconds=touched.seconds
        )
        measures["touch"] = Measure(
            "touch", "the touch (bench/touch.sql)", touched.seconds, note=touched.describe()
        )
        print(f"    touch: {touched.describe()} in {touched.seconds:.1f} s", flush=True)
        measures["touched"] = self.fix(name, "touched", "second execute, 1 % touched", "--execute")
        after = outcome(url)
        result.touched["touched_outcome"] = after.__dict__
        if "full" in self.runs and self.full:
            history = history_rows(url)
            measures["full"] = self.fix(
                name, "full", "full sweep after the touched execute", "--execute", self.full
            )
            added = history_rows(url) - history
            note = self.compare(result, "full sweep vs touched execute", outcome(url), after)
            result.comparisons.append(
                ("full sweep appends no history", added == 0, f"{added} history rows")
            )
            measures["full"].note += f"; {note}; {added} history rows appended"

    def naive(self, url: str, name: str) -> Measure:
        env = {**os.environ, "DATABASE_URL": url, "NAIVE_MAX_SECONDS": str(self.naive_seconds)}
        seconds, rss, output, _, _ = run_child(
            [str(BIN / "python"), str(ROOT / "bench" / "naive.py")], env, self.work / f"{name}.log"
        )
        summary, total = output.strip().splitlines()[-1].split(" | total_seconds=")
        # A run stopped at its budget counts at its extrapolated whole-run time (said in the note).
        return Measure(
            "naive",
            "naive (per driver, Python)",
            max(seconds, float(total)),
            rss_mb=rss,
            note=summary,
        )


# --- the results ----------------------------------------------------------------------------


def targets_table(results: list[ShapeResult]) -> str:
    lines = [
        "| shape | drivers | CT4 | "
        + " | ".join(f"{name} (target ≤ {limit})" for name, _, _, limit in TARGETS)
        + " |",
        "| --- | ---: | --- |" + " --- |" * len(TARGETS),
    ]
    for result in results:
        cells = []
        for _, numerator, denominator, limit in TARGETS:
            value = result.ratio(numerator, denominator)
            if value is None:
                cells.append("not measured")
                continue
            top, bottom = result.measures[numerator], result.measures[denominator]
            verdict = "met" if value <= limit else "**not met**"
            cells.append(f"{value:.2f} ({top.seconds:.1f} / {bottom.seconds:.1f} s): {verdict}")
        lines.append(
            f"| {result.shape} | {result.drivers:,} | {result.ct4} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines) + "\n"


def measures_table(results: list[ShapeResult]) -> str:
    lines = [
        "| shape | drivers | measurement | wall s | "
        + " / ".join(PHASES)
        + " s | database s (CT4 / Dagster) | backend peak private MB | backend peak RSS MB "
        "| Python peak RSS MB | note |",
        "| --- | ---: | --- | ---: | --- | --- | ---: | ---: | ---: | --- |",
    ]
    for result in results:
        for measure in result.measures.values():
            peak = measure.backend or Peak()
            by_phase = phases(measure.steps) if measure.steps and measure.key != "upgrade" else {}
            cells = " / ".join(f"{by_phase[p]:.1f}" for p in PHASES) if by_phase else ""
            database = (
                f"{measure.db_seconds:.1f} / {measure.dagster_db_seconds:.1f}"
                if measure.db_seconds is not None and measure.dagster_db_seconds is not None
                else ""
            )
            rss = f"{measure.rss_mb:.0f}" if measure.rss_mb else ""
            lines.append(
                f"| {result.shape} | {result.drivers:,} | {measure.label} "
                f"| {measure.seconds:.1f} | {cells} | {database} | {peak.anon_mb:.0f} "
                f"| {peak.hwm_mb:.0f} | {rss} | {measure.note} |"
            )
    return "\n".join(lines) + "\n"


def database_by_step(result: ShapeResult) -> dict[str, float] | None:
    """The replay's database seconds per Dagster step key of the first execute."""
    replayed, first = result.measures.get("replay"), result.measures.get("first")
    if replayed is None or first is None:
        return None
    keys = list(first.steps)
    out: dict[str, float] = {}
    for _, step, _, seconds in replayed.statements:
        key = replay.step_key_of(step, keys)
        out[key] = out.get(key, 0.0) + seconds
    return out


def modules_table(results: list[ShapeResult]) -> str:
    """The replay's database seconds per core module (work tables, registry, reports, ...)."""
    columns = [r for r in results if "replay" in r.measures]
    if not columns:
        return ""
    modules: list[str] = []
    for result in columns:
        for _, _, module, _ in result.measures["replay"].statements:
            if module not in modules:
                modules.append(module)
    lines = [
        "| core module (what sent the statements) | "
        + " | ".join(f"{r.shape} {r.drivers:,} s" for r in columns)
        + " |",
        "| --- |" + " ---: |" * len(columns),
    ]
    for module in modules:
        cells = []
        for result in columns:
            total = sum(s for _, _, m, s in result.measures["replay"].statements if m == module)
            cells.append(f"{total:.2f}")
        lines.append(f"| {module} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def growth_table(results: list[ShapeResult], baseline: list[ShapeResult]) -> str:
    """The first execute's steps at each size (the baseline's first), and the growth."""
    lines: list[str] = []
    kinds = dict.fromkeys((r.shape, r.ct4) for r in (results or baseline))
    for shape, ct4 in kinds:
        runs = sorted(
            [
                r
                for r in baseline + results
                if (r.shape, r.ct4) == (shape, ct4) and "first" in r.measures
            ],
            key=lambda r: r.drivers,
        )
        runs = list({r.drivers: r for r in runs}.values())
        if len(runs) < 2:
            continue
        steps: list[str] = []
        for r in runs:
            steps += [s for s in r.measures["first"].steps if s not in steps]
        lines += [
            f"**{shape}**, CT4 {ct4} (first execute, seconds per step; x N = growth from the "
            "previous size)",
            "",
            "| step | " + " | ".join(f"{r.drivers:,}" for r in runs) + " |",
            "| --- |" + " ---: |" * len(runs),
        ]
        for step in [*steps, "whole command"]:
            cells, previous = [], None
            for r in runs:
                first = r.measures["first"]
                value = first.seconds if step == "whole command" else first.steps.get(step)
                growth = f" (x {value / previous:.1f})" if value and previous else ""
                cells.append(f"{value:.2f}{growth}" if value is not None else "")
                previous = value
            lines.append(f"| {step} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def touch_table(results: list[ShapeResult]) -> str:
    lines = [
        "| shape | drivers | drivers touched | by kind | rows changed per statement | s |",
        "| --- | ---: | ---: | --- | --- | ---: |",
    ]
    for r in results:
        if "kinds" not in r.touched:
            continue
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(r.touched["kinds"].items()))
        rows = "; ".join(f"{k}: {v}" for k, v in r.touched["rows"].items())
        lines.append(
            f"| {r.shape} | {r.drivers:,} | {r.touched['drivers']:,} | {kinds} | {rows} "
            f"| {r.touched['seconds']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def report(
    results: list[ShapeResult],
    baseline: list[ShapeResult],
    meta: dict[str, Any],
) -> str:
    out = [
        f"# Benchmark, {meta['finished']}",
        "",
        *([meta["title"], ""] if meta.get("title") else []),
        f"Machine: {meta['cores']} cores; PostgreSQL {meta['postgres']}; Python "
        f"{meta['python']}; project schema head {meta['head']}; `fix --full` offered by the CLI: "
        f"{'yes' if meta['full'] else 'no'}. Install shape on CT4 "
        + (
            "as it really is (`ct4_real_schema.sql`, CT4's views and indexes)"
            if meta["ct4"] == "real"
            else "as the project's subset (`db create-ct4`)"
        )
        + "; demo shape on the subset. Load average "
        f"{meta['load_before']} before, {meta['load_after']} after (1, 5, 15 min).",
        "",
        "## Issue 22's targets",
        "",
        targets_table(results),
        "Hand-written SQL: `bench/floor_job.sql` (the same file for both shapes). Touched: "
        "`bench/touch.sql`, 1 % of the drivers (below).",
        "",
        "## Outcomes compared",
        "",
        *[
            f"- {r.shape} {r.drivers:,}: {what}: {'identical' if same else '**DIFFERS**'} "
            f"({detail})"
            for r in results
            for what, same, detail in r.comparisons
        ],
        "",
        "## Measurements",
        "",
        "Per phase: the pipeline's from its Dagster steps (STEP_START to STEP_SUCCESS), the "
        "replay's from its statements' steps. Database s: `pg_stat_database.active_time` of "
        "the CT4 copy and of Dagster's storage database during the command.",
        "",
        measures_table(results),
        "## Where the seconds of one `orphans-pipeline fix --execute` go (the first execute)",
        "",
        "Each part from the CLI's marks (bench/timed_cli.py) or the run's events in Dagster's "
        "event log; in brackets, the database's seconds of the same step's statements replayed "
        "on a copy in the same state (bench/replay.py).",
        "",
        fixed_cost.table(
            [
                (f"{r.shape} {r.drivers:,}", r.measures["first"], database_by_step(r))
                for r in results
                if "first" in r.measures and r.measures["first"].marks
            ]
        ),
        "The replayed statements' database seconds by the core module that sent them:",
        "",
        modules_table(results),
        "## The touch",
        "",
        touch_table(results),
    ]
    growth = growth_table(results, baseline)
    if growth:
        out += ["## Growth per step", "", growth]
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--shapes", default="demo,install", help="demo and/or install")
    parser.add_argument(
        "--ct4",
        choices=CT4_KINDS,
        default="real",
        help="the install shape's CT4: real (ct4_real_schema.sql, CT4's views) or subset",
    )
    parser.add_argument(
        "--runs",
        default=",".join(RUNS),
        help=f"what to measure, of {','.join(RUNS)} (10,000,000 drivers: upgrade,first)",
    )
    parser.add_argument("--naive-max", type=int, default=100_000, help="largest size for naive")
    parser.add_argument(
        "--naive-seconds",
        type=float,
        default=300.0,
        help="stop naive after this long and extrapolate its whole run",
    )
    parser.add_argument("--out", default=None, help="results (default bench/results/<date>.md)")
    parser.add_argument("--title", default="", help="a line under the heading (what this is)")
    parser.add_argument(
        "--baseline", default=None, help="an earlier run's JSON: its sizes join the growth table"
    )
    parser.add_argument(
        "--keep-templates",
        action="store_true",
        help="keep the template databases (and reuse them if present)",
    )
    parser.add_argument(
        "--plain-cli",
        action="store_true",
        help="run the console script itself (no parts of the fixed cost)",
    )
    parser.add_argument(
        "--render",
        default=None,
        help="measure nothing: write the markdown of an earlier run's JSON (to --out)",
    )
    args = parser.parse_args()
    baseline = (
        [ShapeResult.from_json(r) for r in json.loads(Path(args.baseline).read_text())["results"]]
        if args.baseline
        else []
    )
    if args.render:
        data = json.loads(Path(args.render).read_text())
        target = Path(args.out) if args.out else Path(args.render).with_suffix(".md")
        results = [ShapeResult.from_json(r) for r in data["results"]]
        target.write_text(report(results, baseline, data["meta"]))
        print(f"written to {target}")
        return 0
    unknown = set(args.runs.split(",")) - set(RUNS)
    shapes = [s for s in args.shapes.split(",") if s]
    if unknown or not set(shapes) <= set(SHAPES):
        parser.error(f"unknown runs or shapes: {sorted(unknown) + shapes}")
    sizes = [int(size) for size in args.sizes.split(",")]
    if min(sizes) < 200:
        parser.error("--sizes: at least 200 drivers (every kind of driver of the datasets)")
    server = Server()
    work = Path(os.environ.get("BENCH_WORK", "/tmp")) / f"orphans_bench_{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True)
    out = Path(args.out) if args.out else RESULTS / f"{datetime.now(UTC):%Y-%m-%d}.md"
    from orphans_pipeline.core import schema

    bench = Bench(server, work, args)
    load_before = "{:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())
    results = [bench.bench(shape, size) for size in sizes for shape in shapes]
    meta = {
        "finished": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "title": args.title,
        "cores": os.cpu_count(),
        "postgres": server.version(),
        "python": sys.version.split()[0],
        "head": schema.head_revision(),
        "full": bench.full,
        "ct4": args.ct4,
        "load_before": load_before,
        "load_after": "{:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg()),
        "command": " ".join(sys.argv),
    }
    text = report(results, baseline, meta)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    out.with_suffix(".json").write_text(
        json.dumps({"meta": meta, "results": [r.as_json() for r in results]}, indent=1)
    )
    server.drop("bench_dagster")
    shutil.rmtree(work, ignore_errors=True)
    print(text)
    print(f"written to {out} (and {out.with_suffix('.json').name})")
    differs = [what for r in results for what, same, _ in r.comparisons if not same]
    if differs:
        print(f"outcomes differ: {'; '.join(differs)}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
