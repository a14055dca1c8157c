"""The statements of a run, recorded from the job itself and replayed on another copy.

`record` runs orphans_fix_job once in this process (Dagster's in-process executor, on the copy
at `url`) and keeps every statement it sends through its engine (SQLAlchemy's
before_cursor_execute) and every COPY of its reports (psycopg's Cursor.copy), with the values
inlined, in order, each with the step that sent it (the Dagster asset or check function on the
call stack) and the core module (detect, classify, repair, quarantine, runs, reports, ...).

`replay` sends them again, in one transaction, on a copy of the same data in the same state:
the database's own time for each statement, with nothing of Python or Dagster around it (the
"replayed floor"), and, with `explain=True`, the plan of every statement the database ran,
the ones inside the project's SQL functions included (auto_explain, nested statements on,
ANALYZE and BUFFERS, JSON: revision 0013 moved a run's statements into SECURITY DEFINER
functions, which a plain EXPLAIN shows only as one Result node).

The registration of the run, its lock and its checks are recorded too, so the functions' own
checks (a registered, running execute holding the pipeline lock) pass on replay.
"""

import contextlib
import json
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import psycopg
from sqlalchemy import event

# Dagster step keys of the checks end with their function's name (asset key + '_' + name).
CHECK_MODULE = "checks"
ASSET_MODULE = "assets"
# The leak check's read of one view (orphans.count_view_leaks), which its time budget may cancel.
LEAK_PROBE = "orphans.count_view_leaks("
# The statements by which a run's shares read one snapshot in sessions side by side
# (classify.in_shares): replayed in one transaction, they are left out.
SESSIONS_SHARING_A_SNAPSHOT = ("export_snapshot", "set_transaction_snapshot")
# Core modules every step sends its statements through: the caller is the module that counts.
HELPERS = ("sql", "db")


@dataclass
class Recorded:
    sql: str
    step: str  # an asset function (the step key), "check:<function>" or "run"
    module: str  # the innermost orphans_pipeline.core module on the stack, else "-"

    @property
    def name(self) -> str:
        return statement_name(self.sql)


@dataclass
class Replayed:
    name: str
    step: str
    module: str
    seconds: float
    plans: list[dict[str, Any]] = field(default_factory=list)  # auto_explain's, in order


def statement_name(statement: str) -> str:
    """A statement's name: its sql/ file's header comment, else its first words."""
    header = re.match(r"\s*--\s*([A-Za-z_0-9]+)", statement)
    if header:
        return header.group(1)
    if statement.lstrip().lower().startswith("copy"):
        return "copy_report_" + ("json" if "row_to_json" in statement else "csv")
    words = re.sub(r"\s+", " ", statement.strip())[:48]
    return words


def _origin(frame: FrameType | None) -> tuple[str, str]:
    """(step, module) of the code that sent a statement, from the call stack."""
    module = "-"
    while frame is not None:
        path = frame.f_code.co_filename.replace(os.sep, "/")
        if "/orphans_pipeline/core/" in path and module == "-":
            stem = Path(path).stem
            module = "-" if stem in HELPERS else stem
        elif "/orphans_pipeline/defs/" in path:
            stem = Path(path).stem
            if stem == ASSET_MODULE:
                return frame.f_code.co_name, module
            if stem == CHECK_MODULE:
                return "check:" + frame.f_code.co_name, module
            return "run", module
        frame = frame.f_back
    return "run", module


@contextmanager
def _copies_recorded(recorded: list[Recorded]) -> Iterator[None]:
    """psycopg's Cursor.copy, recording each COPY statement (the reports) with its values."""
    from orphans_pipeline.core import reports

    original = psycopg.Cursor.copy

    def copy(self: Any, statement: Any, params: Any = None, **kwargs: Any) -> Any:
        text = psycopg.ClientCursor(self.connection).mogrify(statement, params)
        step, module = _origin(sys._getframe(1))
        if threading.current_thread().name.startswith(reports.REPORT_THREADS):
            # The JSON report, read beside the CSV: under the step the CSV's reader is in.
            step = recorded[-1].step if recorded else step
        recorded.append(Recorded(text, step, module))
        return original(self, statement, params, **kwargs)

    psycopg.Cursor.copy = copy  # type: ignore[method-assign]
    try:
        yield
    finally:
        psycopg.Cursor.copy = original  # type: ignore[method-assign]


def record(url: str, work: Path) -> list[Recorded]:
    """Run the job once in this process on `url`; every statement it sent, in order."""
    from orphans_pipeline import launch
    from orphans_pipeline.core import classify, db, integrity

    # The job's CT4 resource reads DATABASE_URL and gets this same (cached) engine.
    os.environ["DATABASE_URL"] = url
    os.environ["ORPHANS_REPORTS_ROOT"] = str(work / "reports")
    engine = db.get_engine(url)
    recorded: list[Recorded] = []
    # The leak check reads its views on threads of its own, each on its own connection: a
    # thread's statements go in as one block (its time budget, then its read), under the step
    # of the last statement the run's own thread sent (the check's list of views).
    blocks: dict[int, list[Recorded]] = {}
    lock = threading.Lock()

    def keep(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        text = psycopg.ClientCursor(cursor.connection).mogrify(statement, params)
        step, module = _origin(sys._getframe(1))
        thread = threading.current_thread().name
        with lock:
            if thread.startswith((classify.STAGING_THREADS, integrity.PROOF_THREADS)):
                # A share staged, or a proof read, beside the run's own thread: under the step
                # that thread is in.
                recorded.append(Recorded(text, recorded[-1].step, module))
                return
            if not thread.startswith(integrity.LEAK_CHECK_THREADS):
                recorded.append(Recorded(text, step, module))
                return
            block = blocks.setdefault(threading.get_ident(), [])
            block.append(Recorded(text, recorded[-1].step, module))
            if LEAK_PROBE in text:
                recorded.extend(blocks.pop(threading.get_ident()))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with _copies_recorded(recorded):
            result = launch.execute_in_this_process(execute=True)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
        db.dispose_engines()
    if not result.success:
        raise RuntimeError("the recorded run of orphans_fix_job failed")
    return recorded


AUTO_EXPLAIN = (
    "load 'auto_explain'",
    "set auto_explain.log_min_duration = 0",
    "set auto_explain.log_nested_statements = on",
    "set auto_explain.log_analyze = on",
    "set auto_explain.log_buffers = on",
    "set auto_explain.log_timing = on",
    "set auto_explain.log_format = json",
    "set auto_explain.log_level = notice",
    "set client_min_messages = notice",
)


def parse_notice(message: str) -> dict[str, Any] | None:
    """auto_explain's notice ('duration: X ms  plan:\\n{json}') as a dict with its duration."""
    found = re.match(r"duration: ([0-9.]+) ms\s+plan:\s*(.*)\Z", message, flags=re.DOTALL)
    if not found:
        return None
    try:
        plan = json.loads(found.group(2))
    except json.JSONDecodeError:
        return None
    plan["duration_ms"] = float(found.group(1))
    return dict(plan)


def execute(conn: psycopg.Connection[Any], statement: str) -> None:
    if statement.lstrip().lower().startswith("copy"):
        with conn.cursor().copy(statement) as copy:
            for _ in copy:
                pass
    else:
        conn.execute(statement)


def replay(url: str, statements: list[Recorded], *, explain: bool = False) -> list[Replayed]:
    """Send `statements` again on `url`, in one transaction; each one's time (and plans)."""
    out: list[Replayed] = []
    notices: list[str] = []
    with psycopg.connect(url) as conn:
        if explain:
            conn.add_notice_handler(lambda diag: notices.append(diag.message_primary or ""))
            for setting in AUTO_EXPLAIN:
                conn.execute(setting)
            conn.commit()
        for recorded in statements:
            if recorded.name in SESSIONS_SHARING_A_SNAPSHOT:
                continue  # one transaction here: the shares' sessions read one snapshot anyway
            body = recorded.sql.strip().rstrip(";")
            # PostgreSQL refuses a concurrent refresh inside a transaction block.
            concurrent = "refresh materialized view concurrently" in body.lower()
            if concurrent:
                conn.commit()
                conn.autocommit = True
            notices.clear()
            started = time.perf_counter()
            if LEAK_PROBE in body:
                # The run reads each view in a transaction of its own, under a time budget that
                # may cancel it (one of CT4's views read too slowly): here a savepoint, so a
                # cancelled read costs its budget and the replay goes on, as the run does.
                with contextlib.suppress(psycopg.errors.QueryCanceled), conn.transaction():
                    execute(conn, body)
                # The run's budget ended with that view's transaction; here it would outlive it.
                conn.execute("select set_config('statement_timeout', '0', true)")
            else:
                execute(conn, body)
            seconds = time.perf_counter() - started
            if concurrent:
                conn.autocommit = False
            plans = [p for p in (parse_notice(n) for n in notices) if p is not None]
            out.append(Replayed(recorded.name, recorded.step, recorded.module, seconds, plans))
        conn.commit()
    return out


def steps_of(replayed: list[Replayed]) -> dict[str, float]:
    """Seconds per step (the step keys of the run: assets, then checks by function name)."""
    steps: dict[str, float] = {}
    for statement in replayed:
        steps[statement.step] = steps.get(statement.step, 0.0) + statement.seconds
    return steps


def step_key_of(step: str, step_keys: list[str]) -> str:
    """The Dagster step key a recorded step stands for (checks: '<asset>_<function>')."""
    if step.startswith("check:"):
        function = step.split(":", 1)[1]
        return next((key for key in step_keys if key.endswith("_" + function)), step)
    return step
