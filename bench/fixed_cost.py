"""Where the seconds of one `orphans-pipeline fix --execute` go (issue 22, point 3).

Measured from outside the code, on the run the bench times (no change to the pipeline):

- the CLI process: bench/timed_cli.py runs `orphans_pipeline.cli.main` and marks its parts
  (interpreter start, imports, database start, Dagster instance, code server and workspace,
  reconcile, run creation and launch, the wait, the outcome, the code server's shutdown);
- the run worker: the run's events in Dagster's event log (launch, "Started process for run",
  RUN_START, "Executing steps", STEP_START / STEP_SUCCESS of every step, RUN_SUCCESS);
- the database: the replay of the same run's statements on a copy in the same state
  (bench/replay.py), summed per step, and pg_stat_database.active_time of the CT4 copy and of
  Dagster's storage database during the run (every session, the CLI's and the worker's).

`parts` turns one measured run into rows (part, seconds, of which database, how measured);
`table` lays out the rows of several runs side by side.
"""

import json
import subprocess
from dataclasses import dataclass
from typing import Any

from bench.common import BIN, Measure

# The run's own events, from Dagster's instance (the run's DAGSTER_HOME), as JSON.
EVENTS_SCRIPT = """
import json, sys
import dagster as dg
KEEP = {"PIPELINE_STARTING", "PIPELINE_START", "PIPELINE_SUCCESS", "PIPELINE_FAILURE",
        "RUN_STARTING", "RUN_START", "RUN_SUCCESS", "RUN_FAILURE", "STEP_START",
        "STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED", "ENGINE_EVENT",
        "RESOURCE_INIT_STARTED", "RESOURCE_INIT_SUCCESS"}
with dg.DagsterInstance.get() as instance:
    record = instance.get_run_record_by_id(sys.argv[1])
    events = []
    for entry in instance.all_logs(sys.argv[1]):
        event = entry.dagster_event
        if event is not None and event.event_type_value in KEEP:
            events.append({"t": entry.timestamp, "type": event.event_type_value,
                           "step": event.step_key, "message": event.message or ""})
    print(json.dumps({"created": record.create_timestamp.timestamp(), "events": events}))
"""

STARTED = ("PIPELINE_START", "RUN_START")
SUCCEEDED = ("PIPELINE_SUCCESS", "RUN_SUCCESS", "PIPELINE_FAILURE", "RUN_FAILURE")


def run_events(env: dict[str, str], run_id: str) -> tuple[float, list[dict[str, Any]]]:
    """The run's creation time and its events (epoch seconds), read from its instance."""
    out = subprocess.run(
        [str(BIN / "python"), "-c", EVENTS_SCRIPT, run_id],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return float(data["created"]), list(data["events"])


def step_seconds(events: list[dict[str, Any]]) -> dict[str, float]:
    """Each step's wall time, STEP_START to its STEP_SUCCESS (or failure), in run order."""
    started: dict[str, float] = {}
    steps: dict[str, float] = {}
    for event in events:
        if event["type"] == "STEP_START":
            started[event["step"]] = event["t"]
        elif event["type"] in ("STEP_SUCCESS", "STEP_FAILURE") and event["step"] in started:
            steps[event["step"]] = event["t"] - started[event["step"]]
    return steps


@dataclass
class Part:
    name: str
    seconds: float | None
    database: float | None = None
    how: str = "the CLI's marks"


def _first(events: list[dict[str, Any]], types: tuple[str, ...], text: str = "") -> float | None:
    return next((e["t"] for e in events if e["type"] in types and text in e["message"]), None)


def _span(marks: dict[str, float], name: str) -> float | None:
    start, end = marks.get(name + ":start"), marks.get(name + ":end")
    return end - start if start is not None and end is not None else None


def _between(start: float | None, end: float | None) -> float | None:
    return end - start if start is not None and end is not None else None


def parts(measure: Measure, database_by_step: dict[str, float] | None) -> list[Part]:
    """The rows of one run's breakdown; their seconds add up to the run's wall time (the
    last row is what no mark accounts for)."""
    marks, events = measure.marks, measure.events
    spawn, end = marks.get("spawn"), marks.get("exit")
    steps = step_seconds(events)
    step_events = [e for e in events if e["type"].startswith("STEP_")]
    first_step = step_events[0]["t"] if step_events else None
    last_step = step_events[-1]["t"] if step_events else None
    launched = marks.get("create_and_launch:end")
    worker = _first(events, ("ENGINE_EVENT",), "Started process for run")
    run_start = _first(events, STARTED)
    executing = _first(events, ("ENGINE_EVENT",), "Executing steps")
    run_end = _first(events, SUCCEEDED)
    create_run = _span(marks, "create_run")
    rows = [
        Part(
            "process start: the Python interpreter",
            _between(spawn, marks.get("python")),
            None,
            "the bench's clock to the CLI's first mark",
        ),
        Part(
            "imports: the CLI and core (SQLAlchemy, psycopg)",
            _between(marks.get("python"), marks.get("cli_imported")),
            None,
            "import orphans_pipeline.cli",
        ),
        Part(
            "code server started (a process, before Dagster's import; it loads meanwhile)",
            _span(marks, "code_server_start"),
            None,
            "the CLI's marks (code_server.start)",
        ),
        Part(
            "imports: Dagster, the launch layer and the job's definitions",
            _between(
                marks.get("code_server_start:end", marks.get("cli_imported")),
                marks.get("dagster_imported"),
            ),
            None,
            "import orphans_pipeline.launch",
        ),
        Part("database start or check (embedded server)", _span(marks, "start_database")),
        Part("schema check (at head)", _span(marks, "require_current")),
        Part("Dagster instance (DAGSTER_HOME, its storage)", _span(marks, "instance")),
        Part(
            "code server start and code location load (workspace)",
            _span(marks, "workspace"),
            None,
            "a gRPC server process loads the definitions",
        ),
        Part("reconcile (runs left by dead workers)", _span(marks, "reconcile")),
        Part("run creation (job snapshot, execution plan)", create_run),
        Part(
            "run launch: the code server starts the run worker (process, imports, instance)",
            _between(marks.get("create_run:end"), worker or launched),
            None,
            "CLI mark to the event 'Started process for run'",
        ),
        Part(
            "run worker: the job loaded, the run started",
            _between(worker, run_start),
            None,
            "event log: 'Started process' to RUN_START",
        ),
        Part(
            "run worker: executor (run's session), resources",
            _between(run_start, first_step),
            None,
            "event log: RUN_START to the first STEP_START ('Executing steps' at "
            + (f"+{executing - run_start:.2f} s)" if executing and run_start else "?)"),
        ),
    ]
    in_steps = 0.0
    for step, seconds in steps.items():
        database = database_by_step.get(step) if database_by_step else None
        rows.append(
            Part(f"step {step}", seconds, database, "event log: STEP_START to STEP_SUCCESS")
        )
        in_steps += seconds
    rows += [
        Part(
            "Dagster between the steps (events, step bookkeeping)",
            (last_step - first_step - in_steps) if first_step and last_step else None,
            None,
            "event log: first to last step event, minus the steps",
        ),
        Part(
            "run end: registry closed, RUN_SUCCESS",
            _between(last_step, run_end),
            None,
            "event log: last step to RUN_SUCCESS",
        ),
        Part(
            "the CLI sees the end (as the run worker exits), settles the registry",
            _between(run_end, marks.get("wait_for_run:end")),
            None,
            "event log RUN_SUCCESS to the CLI's mark",
        ),
        Part("outcome: checks' evaluations, registry row", _span(marks, "outcome_of")),
        Part("code server shutdown", _span(marks, "workspace_close")),
        Part("Dagster instance closed", _span(marks, "instance_close")),
        Part(
            "summary printed",
            _between(marks.get("instance_close:end"), marks.get("main_returned")),
        ),
        Part(
            "interpreter exit (threads, atexit, modules torn down)",
            _between(marks.get("main_returned"), end),
        ),
    ]
    accounted = sum(p.seconds for p in rows if p.seconds is not None)
    rows.append(
        Part(
            "other (arguments, engine, environment; what no mark covers)",
            measure.seconds - accounted,
            None,
            "the wall time minus the rows above",
        )
    )
    rows.append(Part("total (wall time of the command)", measure.seconds, None, "the bench"))
    return rows


def table(columns: list[tuple[str, Measure, dict[str, float] | None]]) -> str:
    """The breakdown of several runs (title, run, the replay's database seconds per step)."""
    if not columns:
        return ""
    laid = [(title, parts(measure, by_step), measure) for title, measure, by_step in columns]
    header = "| part | " + " | ".join(f"{title} s (database s)" for title, _, _ in laid)
    lines = [header + " | measured from |", "| --- |" + " ---: |" * len(laid) + " --- |"]
    for name in _ordered(laid):
        cells, how = [], ""
        for _, rows, _ in laid:
            row = next((r for r in rows if r.name == name), None)
            cells.append(_cell(row))
            how = how or (row.how if row else "")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {how} |")
    for label, attribute in (
        ("database time, every session on the CT4 copy", "db_seconds"),
        ("database time, Dagster's storage database", "dagster_db_seconds"),
    ):
        values = [getattr(measure, attribute) for _, _, measure in laid]
        shown = " | ".join(f"{v:.2f}" if v is not None else "" for v in values)
        lines.append(f"| {label} | {shown} | pg_stat_database.active_time during the run |")
    summary = []
    for title, rows, measure in laid:
        steps = [r for r in rows if r.name.startswith("step ")]
        in_db = sum(r.database or 0.0 for r in steps)
        in_steps = sum(r.seconds or 0.0 for r in steps)
        if not any(r.database is not None for r in steps):
            summary.append(
                f"- {title}: {measure.seconds:.1f} s, of which the steps {in_steps:.1f} s "
                "(not replayed in this run: the database's share is not measured)"
            )
            continue
        summary.append(
            f"- {title}: {measure.seconds:.1f} s, of which the steps {in_steps:.1f} s "
            f"(the database {in_db:.1f} s of them, replayed); not the database's: "
            f"{measure.seconds - in_db:.1f} s ({(measure.seconds - in_db) / measure.seconds:.0%})"
        )
    return "\n".join(lines) + "\n\n" + "\n".join(summary) + "\n"


def _ordered(laid: list[tuple[str, list[Part], Measure]]) -> list[str]:
    """Row names in run order: the first run's, with any step only another run has after its
    own steps."""
    names: list[str] = []
    for _, rows, _ in laid:
        for index, row in enumerate(rows):
            if row.name in names:
                continue
            previous = rows[index - 1].name if index else None
            at = names.index(previous) + 1 if previous in names else len(names)
            names.insert(at, row.name)
    return names


def _cell(row: Part | None) -> str:
    if row is None or row.seconds is None:
        return ""
    if row.database is not None:
        return f"{row.seconds:.2f} ({row.database:.2f})"
    return f"{row.seconds:.2f}"
