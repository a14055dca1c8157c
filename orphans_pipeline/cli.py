"""`orphans-pipeline`: the operators' command line, over the core (and Dagster for `fix`)."""

import argparse
import atexit
import gc
import json
import os
import signal
import sys
import threading
import unicodedata
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from sqlalchemy.exc import DBAPIError

from orphans_pipeline.core import db, demo, embedded, guard, install, schema, settings, views
from orphans_pipeline.core.vocabulary import ACTION_OUTCOME, ReviewAction

if TYPE_CHECKING:  # the launch layer loads Dagster: only `fix` imports it, when it runs
    from orphans_pipeline.code_server import PrestartedCodeServer
    from orphans_pipeline.launch import LaunchOutcome

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# Interrupted by signal N: 128 + N, as a shell reports it (130 for SIGINT, 143 for SIGTERM).
EXIT_SIGNAL_BASE = 128


def _engine() -> Any:
    return db.get_engine()


def _engine_or_none() -> Any:
    """The engine, to ask the database what went wrong; None where even that fails."""
    try:
        return db.get_engine()
    except Exception:
        return None


def _ready_engine() -> Any:
    """The engine, once the database is known to carry the project's current schema."""
    engine = db.get_engine()
    schema.require_current(engine)
    return engine


def cmd_db_create_ct4(args: argparse.Namespace) -> int:
    schema.create_ct4(_engine())
    print("CT4 subset present (created where absent).")
    return EXIT_OK


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    engine = _engine()
    for line in install.report_lines(install.upgrade(engine)):
        print(line)
    try:
        if schema.refresh_grants(engine):
            print("Roles orphans_pipeline and orphans_reviewer granted again (sql/grants).")
    except DBAPIError as exc:
        # The migrations are committed; only the roles' privileges on new objects are missing.
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        print(
            f"warning: the roles' privileges were not refreshed ({reason}): run "
            "`orphans-pipeline db grant` as an owner of the CT4 tables",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_db_grant(args: argparse.Namespace) -> int:
    schema.apply_grants(_ready_engine())
    print(
        "Roles orphans_pipeline and orphans_reviewer granted (sql/grants). Grant them to the "
        "services' login roles: grant orphans_pipeline to <user>;"
    )
    return EXIT_OK


def cmd_db_status(args: argparse.Namespace) -> int:
    engine = _engine()
    revision, head = schema.current_revision(engine), schema.head_revision()
    print(f"schema revision: {revision or 'none (run `orphans-pipeline db upgrade`)'}", end="")
    print("" if revision is None else f" (the code's: {head})")
    state = guard.guard_state(engine) if revision is not None else None
    if state is None:
        return EXIT_OK if revision == head else EXIT_FAILED
    print(
        f"prevention guard: {state.mode} (set {state.changed_at:%Y-%m-%d %H:%M:%S %Z} by "
        f"{state.changed_by}); driver links recorded without a lead link: {state.recorded}"
    )
    return EXIT_OK if revision == head else EXIT_FAILED


def cmd_db_guard(args: argparse.Namespace) -> int:
    engine = _ready_engine()
    previous = guard.set_guard_mode(engine, args.mode)
    print(f"prevention guard: {args.mode} (was {previous}).")
    if args.mode == "enforce":
        print(
            "A driver link whose person has no lead link at commit is now refused: CT4's "
            "ingestion must write the lead link first, in the same transaction."
        )
    return EXIT_OK


def cmd_db_downgrade(args: argparse.Namespace) -> int:
    for line in install.downgrade_lines(install.downgrade(_engine(), execute=args.execute)):
        print(line)
    return EXIT_OK


def cmd_db_stop(args: argparse.Namespace) -> int:
    if os.environ.get("DATABASE_URL"):
        print("DATABASE_URL is set: there is no embedded server to stop.")
        return EXIT_OK
    stopped = embedded.stop(settings.writable_home(settings.orphans_home()))
    print("Embedded PostgreSQL stopped." if stopped else "Embedded PostgreSQL was not running.")
    return EXIT_OK


def cmd_db_url(args: argparse.Namespace) -> int:
    databases = settings.resolve_databases()
    print(settings.libpq_url(databases.ct4_url))
    return EXIT_OK


def cmd_demo_data(args: argparse.Namespace) -> int:
    engine = _engine()
    counts = demo.prepare_and_load_demo_data(engine, args.drivers, args.seed, replace=args.replace)
    # New trips, as after CT4's ingestion: the claims list is recomputed from them.
    views.refresh_cabinet_claims_computed(engine)
    print(f"Demo data loaded: {counts.drivers} drivers, seed {args.seed}.")
    for table, rows in counts.table_rows.items():
        print(f"  {table:<36} {rows:>10}")
    return EXIT_OK


def cmd_fix(args: argparse.Namespace) -> int:
    from orphans_pipeline import instance

    instance.prepare_dagster_environment()
    prestarted = None
    try:
        # The code server first, before this process imports Dagster: the two starts overlap
        # (code_server.py). Only for a request launch_fix_job would take: it refuses the
        # others itself, as before, with no process started.
        prestarted = _prestart_code_server(args)
        # Dagster's import makes some 250,000 objects that live as long as the process, and
        # little garbage: with the cyclic collector paused for it, and those objects frozen
        # (kept out of its later passes), `fix` starts about 0.15-0.25 s sooner. Unfrozen at
        # the end, for the tests, which run commands in their own process.
        collecting = gc.isenabled()
        gc.disable()
        try:
            from orphans_pipeline.launch import launch_fix_job
        finally:
            gc.freeze()
            if collecting:
                gc.enable()
        try:
            # The operator's --output-dir is taken as given (relative to the working directory).
            outcome = launch_fix_job(
                execute=args.execute,
                limit=args.limit,
                output_dir=args.output_dir,
                confine_output_dir=False,
                full=args.full,
                prestarted=prestarted,
            )
        finally:
            gc.unfreeze()
    finally:
        if prestarted is not None:
            prestarted.stop()  # ended by the workspace already, unless it never took it
    for line in fix_summary_lines(outcome):
        print(line)
    return EXIT_OK if outcome.succeeded else EXIT_FAILED


def _prestart_code_server(args: argparse.Namespace) -> "PrestartedCodeServer | None":
    """The workspace's code server, started now, for a valid request on a database at the
    project's revision; None otherwise (launch_fix_job then refuses it, or starts its own)."""
    from orphans_pipeline import code_server
    from orphans_pipeline.core import fix

    try:
        _output_dir, environment = fix.launch_environment(
            execute=args.execute,
            limit=args.limit,
            output_dir=args.output_dir,
            confine_output_dir=False,
            full=args.full,
        )
        _ready_engine()
    except Exception:
        return None
    return code_server.start(environment)


def fix_summary_lines(outcome: "LaunchOutcome") -> list[str]:
    """What `fix` prints of a finished run: its mode, stats, reports, checks and result."""
    from orphans_pipeline.core import runs
    from orphans_pipeline.launch import job_name_for

    mode = "EXECUTE" if outcome.execute else "DRY RUN (nothing written)"
    lines = [f"{job_name_for(outcome.execute)} run {outcome.run_id}: {mode}"]
    registry = outcome.registry or {}
    stats = runs.in_runbook_order(registry.get("stats") or {})
    if stats:
        lines += ["", f"  {'stat':<34}{'value':>10}"]
        lines += [f"  {key:<34}{value:>10}" for key, value in stats.items()]
    if registry.get("report_json_path"):
        lines += [
            "",
            f"  report (json): {registry['report_json_path']}",
            f"  report (csv):  {registry['report_csv_path']}",
        ]
    if outcome.checks:
        lines.append("")
        lines += [
            f"  check {name}: {'passed' if ok else 'FAILED'}" for name, ok in outcome.checks.items()
        ]
    elif not outcome.execute:
        lines += ["", "  checks: not run in a dry run (they report on an execute only)"]
    lines += [f"  FAILED CHECK: {name}" for name in outcome.failed_checks]
    lines += [f"  ERROR: {error}" for error in outcome.errors]
    lines.append("  result: " + ("succeeded" if outcome.succeeded else "FAILED"))
    return lines


def cmd_ui(args: argparse.Namespace) -> int:
    from orphans_pipeline import instance

    env = instance.prepare_dagster_environment()
    # The alerts link runs here, unless a public address was configured (a proxy, say).
    link_host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    os.environ.setdefault("ORPHANS_DAGSTER_UI_URL", f"http://{link_host}:{args.port}")
    print(f"DAGSTER_HOME={env['DAGSTER_HOME']}")
    from orphans_pipeline.api import ui_server

    return ui_server.serve(args.host, args.port)


def cmd_serve(args: argparse.Namespace) -> int:
    from orphans_pipeline.api import server
    from orphans_pipeline.api.app import create_app
    from orphans_pipeline.api.settings import ApiSettings

    api_settings = ApiSettings.from_env().serving_on(args.host)
    app = create_app(api_settings)
    print(f"Review page on http://{args.host}:{args.port}/orphans, API schema on /openapi.json")
    if api_settings.read_requires_token:
        unset = " (ORPHANS_API_TOKEN is not set: every read is refused)"
        print(f"Reads need the token{'' if api_settings.api_token else unset}")
    sys.stdout.flush()
    # uvicorn.Server.run, not uvicorn.run (which swallows the interrupt): stopped by a signal,
    # `serve` exits 128 + N as the other commands do, once the app has shut down.
    server.serve(app, api_settings, args.host, args.port)
    return EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    from orphans_pipeline.core import review

    outcome = review.review(
        _ready_engine(),
        args.action,
        driver_id=args.driver_id,
        reviewer=args.by,
        notes=args.notes,
        source_table=getattr(args, "source_table", None),
        source_pk=getattr(args, "source_pk", None),
        execute=args.execute,
    )
    if args.json:
        print_json(outcome.as_dict())
        return EXIT_OK
    verb = "applied" if outcome.executed else "PREVIEW (nothing written; add --execute)"
    print(
        f"{outcome.action} {outcome.driver_id}: {outcome.from_status} -> "
        f"{outcome.to_status} by {outcome.reviewer}: {verb}"
    )
    for key, value in outcome.details.items():
        print(f"  {key}: {json.dumps(value, default=str)}")
    return EXIT_OK


def cmd_review_bulk(args: argparse.Namespace) -> int:
    from pathlib import Path

    from orphans_pipeline.core import review

    decisions = review.read_decisions(Path(args.file))
    outcome = review.bulk_review(_ready_engine(), decisions, reviewer=args.by, execute=args.execute)
    for line in outcome.lines:
        mark = "ok  " if line.ok else "FAIL"
        print(
            f"{mark} line {line.line}: {shown(line.action)} {shown(line.driver_id)}: "
            f"{shown(line.message)}"
        )
    if outcome.failed:
        print(f"{len(outcome.failed)} of {len(outcome.lines)} line(s) would fail: nothing written")
        return EXIT_FAILED
    if outcome.executed:
        print(f"{len(outcome.lines)} decision(s) applied in one transaction")
    else:
        print(f"PREVIEW: {len(outcome.lines)} decision(s) would apply; add --execute")
    return EXIT_OK


def shown(value: Any) -> str:
    """`value` as text that cannot forge or hide a line: control and format characters (a
    newline, an escape sequence, a bidirectional override) are printed escaped."""
    from orphans_pipeline.core.review import CONTROL_CATEGORIES

    text = str(value)
    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if unicodedata.category(char) in CONTROL_CATEGORIES
        else char
        for char in text
    )


def cmd_history(args: argparse.Namespace) -> int:
    from orphans_pipeline.core import review

    story = review.driver_history(_ready_engine(), args.driver_id)
    if args.json:
        print_json(story)
        return EXIT_OK
    current = story["current"]
    print(f"driver {shown(story['driver_id'])}")
    if current:
        c = {key: shown(value) for key, value in current.items()}
        print(
            f"  status {c['status']} ({c['detected_reason']}), detected "
            f"{c['detected_at']}, person {c['person_key']}"
        )
        print(
            f"  creation rule {c['creation_rule']}; registry: "
            f"{c['primary_full_name']} / {c['primary_phone']} / "
            f"{c['primary_license']}; driver links {c['driver_links_count']}; "
            f"lead events {c['lead_events_count']}"
        )
        for event in (current["evidence_json"] or {}).get("lead_events", []):
            e = {key: shown(value) for key, value in event.items()}
            print(
                f"    event {e['event_id']} {e['source_table']}/{e['source_pk']} "
                f"{e['level']} {e['match_strategy']}: {e['why']}"
            )
    print("  transitions:")
    for t in story["transitions"]:
        run = f" run {shown(t['run_id'])}" if t["run_id"] else ""
        print(
            f"    #{t['id']} {t['changed_at']:%Y-%m-%d %H:%M:%S%z} {t['from_status'] or '-'} -> "
            f"{t['to_status']} ({t['to_reason']}) by {shown(t['actor'])}{run}: "
            f"{shown(t['notes'] or '')}"
        )
    return EXIT_OK


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def _row_limit(value: str) -> int:
    """--limit: a PostgreSQL int of at least 1."""
    from orphans_pipeline.core.fix import MAX_LIMIT

    number = _positive_int(value)
    if number > MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_LIMIT}, not {number}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="orphans-pipeline",
        description="Detect, repair and quarantine CT4 orphan drivers, with a full audit trail.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    db_parser = commands.add_parser("db", help="database set-up")
    db_commands = db_parser.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser(
        "create-ct4", help="create the CT4 subset where absent (demo and test databases only)"
    ).set_defaults(func=cmd_db_create_ct4)
    db_commands.add_parser(
        "upgrade", help="apply the project's migrations (idempotent)"
    ).set_defaults(func=cmd_db_upgrade)
    db_commands.add_parser(
        "grant", help="create the least-privilege roles and grant them (run as an owner)"
    ).set_defaults(func=cmd_db_grant)
    db_commands.add_parser("stop", help="stop the embedded PostgreSQL").set_defaults(
        func=cmd_db_stop, starts_database=False
    )
    db_commands.add_parser("url", help="print the CT4 database URL (for psql)").set_defaults(
        func=cmd_db_url
    )
    db_commands.add_parser(
        "status", help="the schema revision and the prevention guard's mode"
    ).set_defaults(func=cmd_db_status)
    downgrade_parser = db_commands.add_parser(
        "downgrade",
        help="take the project out of the database (its views, triggers, functions, schemas "
        "orphans and dagster; CT4's views restored; the quarantine and its history kept): a "
        "preview unless --execute (run as an owner)",
    )
    downgrade_parser.add_argument("--execute", action="store_true")
    downgrade_parser.set_defaults(func=cmd_db_downgrade)
    guard_parser = db_commands.add_parser(
        "guard",
        help="set the prevention guard's mode (run as an owner): enforce refuses a driver "
        "link without a lead link, record accepts and records it, off lets it through",
    )
    guard_parser.add_argument("mode", choices=guard.GUARD_MODES)
    guard_parser.set_defaults(func=cmd_db_guard)

    demo_parser = commands.add_parser("demo-data", help="load a deterministic demo dataset")
    demo_parser.add_argument("--drivers", type=_positive_int, default=2000)
    demo_parser.add_argument("--seed", type=int, default=42)
    demo_parser.add_argument(
        "--replace", action="store_true", help="drop earlier demo data first (demo data only)"
    )
    demo_parser.set_defaults(func=cmd_demo_data)

    fix_parser = commands.add_parser("fix", help="run orphans_fix_job (a dry run unless --execute)")
    fix_parser.add_argument("--execute", action="store_true", help="write (default: dry run)")
    fix_parser.add_argument("--limit", type=_row_limit, default=None)
    fix_parser.add_argument(
        "--full",
        action="store_true",
        help="re-judge every row still quarantined (default: only those whose inputs changed)",
    )
    fix_parser.add_argument(
        "--output-dir",
        default=None,
        help="where the reports go (relative to the working directory; created if needed)",
    )
    fix_parser.set_defaults(func=cmd_fix)

    review_parser = commands.add_parser(
        "review", help="decide a quarantined driver (a preview unless --execute)"
    )
    review_commands = review_parser.add_subparsers(dest="action", required=True)
    for action, text in (
        (ReviewAction.RELINK, "link the driver's person to an existing lead"),
        (ReviewAction.CREATE_LEAD, "create the missing migrations lead"),
        (ReviewAction.PURGE, "delete the driver link (kept in the history)"),
        (ReviewAction.UNDO, "undo the driver's last review action"),
    ):
        sub = review_commands.add_parser(action.value, help=f"{text} -> {ACTION_OUTCOME[action]}")
        sub.add_argument("--driver-id", required=True)
        sub.add_argument("--by", required=True, help="the reviewer's name")
        sub.add_argument("--notes", default="")
        sub.add_argument("--execute", action="store_true", help="apply (default: preview)")
        sub.add_argument("--json", action="store_true")
        if action == ReviewAction.RELINK:
            sub.add_argument("--source-table", required=True)
            sub.add_argument("--source-pk", required=True)
        sub.set_defaults(func=cmd_review)
    bulk = review_commands.add_parser(
        "bulk", help="apply a CSV of decisions, all or nothing (a preview unless --execute)"
    )
    bulk.add_argument(
        "--file", required=True, help="CSV: driver_id,action,source_table,source_pk,notes"
    )
    bulk.add_argument("--by", required=True, help="the reviewer's name")
    bulk.add_argument("--execute", action="store_true")
    bulk.set_defaults(func=cmd_review_bulk)

    history_parser = commands.add_parser("history", help="a driver's whole story")
    history_parser.add_argument("driver_id")
    history_parser.add_argument("--json", action="store_true")
    history_parser.set_defaults(func=cmd_history)

    serve_parser = commands.add_parser(
        "serve", help="start the HTTP API and the review page (/orphans)"
    )
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000)
    serve_parser.set_defaults(func=cmd_serve)

    ui_parser = commands.add_parser(
        "ui", help="start the Dagster UI behind its login (and the daemon beside it)"
    )
    ui_parser.add_argument("--host", default="127.0.0.1")
    ui_parser.add_argument("--port", type=int, default=3000)
    ui_parser.set_defaults(func=cmd_ui)
    return parser


def _known_errors() -> tuple[type[BaseException], ...]:
    from orphans_pipeline.core.fix import InvalidRequest
    from orphans_pipeline.core.locking import PipelineBusy
    from orphans_pipeline.core.review import ReviewRefused

    # ValueError subclasses (bad input) exit 2; the others exit 1.
    return (
        settings.ConfigError,
        demo.DemoDataRefused,
        PipelineBusy,
        InvalidRequest,
        ReviewRefused,
        ValueError,
    )


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _StopSignals:
    """SIGINT and SIGTERM interrupt the command (KeyboardInterrupt), whatever it inherited;
    the handlers it found are put back when it returns (the tests call `main`).

    A command started in the background by a script inherits SIGINT ignored, and an ignored
    signal stays ignored across exec: the code servers and the daemon it starts would then
    ignore SIGINT, and SIGTERM too (Dagster's processes give SIGTERM SIGINT's handler), and
    outlive it. A handler is reset to the default by exec, so they stop when told; and here
    every `with` unwinds, stopping what the command started.
    """

    def __init__(self) -> None:
        self.received: int | None = None
        self.saved: dict[int, Any] = {}

    def _interrupt(self, signum: int, frame: object) -> None:
        self.received = signum
        raise KeyboardInterrupt

    def __enter__(self) -> "_StopSignals":
        if threading.current_thread() is threading.main_thread():
            self.saved = {signum: signal.signal(signum, self._interrupt) for signum in STOP_SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self.saved.items():
            signal.signal(signum, handler)


def _database_error(exc: BaseException) -> DBAPIError | None:
    """The database error behind `exc`, if any (Dagster's storage wraps it in its own)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DBAPIError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    with _StopSignals() as stop:
        try:
            if getattr(args, "starts_database", True):
                # The explicit start: with DATABASE_URL unset, the embedded server (reused if up).
                db.start_database()
            return func(args)
        except _known_errors() as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE if isinstance(exc, ValueError) else EXIT_FAILED
        except KeyboardInterrupt:
            signum = stop.received or signal.SIGINT
            print(f"interrupted ({signal.Signals(signum).name})", file=sys.stderr)
            return EXIT_SIGNAL_BASE + signum
        except Exception as exc:  # a database that cannot be reached, a missing schema, ...
            database = _database_error(exc)
            if database is not None:
                problem = schema.database_problem(_engine_or_none(), database)
                print(f"error: database: {problem}", file=sys.stderr)
                return EXIT_FAILED
            raise


def run(argv: Sequence[str] | None = None) -> NoReturn:
    """The console script: main, then out without tearing down the modules it imported (with
    Dagster's, gRPC's and SQLAlchemy's, about 0.7 s of every command's wall time, for nothing).
    The exit handlers still run (logging, weakref finalizers) and the streams are flushed; a
    thread still running, or streams that cannot be flushed, get Python's ordinary exit."""
    status = main(argv)
    exit_now(status)


def exit_now(status: int) -> NoReturn:
    others = [
        thread
        for thread in threading.enumerate()
        if thread is not threading.main_thread() and not thread.daemon and thread.is_alive()
    ]
    if others or not _flushed():
        sys.exit(status)
    atexit._run_exitfuncs()
    # As Python's own exit: output the exit handlers wrote that cannot be flushed is status 120.
    os._exit(status if _flushed() else 120)


def _flushed() -> bool:
    """Whether stdout and stderr took what they hold (a stream closed at start is None)."""
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return False
    return True


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, default=str))


if __name__ == "__main__":
    run()
