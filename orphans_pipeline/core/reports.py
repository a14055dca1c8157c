"""Reports: `orphans_report_YYYYMMDD_HHMMSS.json` and `.csv`, streamed from the database with
COPY a row at a time, never built in memory. Each file appears whole or not at all: it is
written under a temporary name and renamed when complete (the JSON, read beside the CSV, has no
name at all until both are whole, where the file system has unnamed files). Reports are
readable by their owner and group only (0640, less under a stricter umask), and no CSV cell is
one a spreadsheet would evaluate (the OWASP CSV-injection rule, in orphans.csv_safe_cell); the
JSON keeps every value as it is."""

import json
import os
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import psycopg
from psycopg import sql as psql
from sqlalchemy import Connection, Engine

from orphans_pipeline.core import settings, sql
from orphans_pipeline.core.faults import crash_point


class InvalidOutputDir(ValueError):
    """The output directory is outside the reports root or cannot be written."""


# The columns of domain.md's CSV report, in order (pipeline/select_report_rows returns them).
REPORT_COLUMNS = (
    "driver_id",
    "person_key",
    "creation_rule",
    "lead_events_count",
    "action",
    "status",
    "detected_reason",
    "evidence_level",
    "match_strategy",
    "links_created",
    "error",
)
REPORT_FILE_MODE = 0o640
# How far below the reports root a run's output_dir may go: enough for `weekly/2026/05`, and
# a bound on what one request can create.
MAX_OUTPUT_DIR_DEPTH = 4
REPORT_DIR_MODE = 0o750
# The only files the API reads back: a report's own name, nothing else.
REPORT_NAME = re.compile(r"^orphans_report_\d{8}_\d{6}(_\d+)?\.(csv|json)$")
# A neutralised cell: one quote added before optional quotes and a character a spreadsheet
# evaluates (the inverse of orphans.csv_safe_cell).
NEUTRALISED_CELL = re.compile("^'(?='*[=+\\-@\t\r\n\uff1d\uff0b\uff0d\uff20])")


def csv_cell_value(cell: str) -> str:
    """The value behind a report CSV cell (orphans.csv_safe_cell undone)."""
    return NEUTRALISED_CELL.sub("", cell, count=1)


def report_in_root(path: str | None) -> Path | None:
    """The report file `path` names, if it is a report inside the reports root; else None.

    The registry's path is only a name to look up: a path elsewhere, a file not named like a
    report, a link or anything but a regular file is never opened (its content is served).
    """
    if not path:
        return None
    named = Path(path)
    if not named.is_absolute() or not REPORT_NAME.match(named.name):
        return None
    root = settings.reports_root()
    try:
        relative = named.relative_to(root)
    except ValueError:
        return None
    if ".." in relative.parts:
        return None
    candidate = root / relative
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if root not in resolved.parents or resolved.name != named.name:
        return None  # a link somewhere, or out of the root
    if candidate.is_symlink() or not resolved.is_file():
        return None
    return resolved


class ReportNotFound(ValueError):
    """No report of that name inside the reports root."""


def make_report_dir(path: Path) -> None:
    """Create `path` and every missing parent with REPORT_DIR_MODE (mkdir's `parents` would
    give the parents the umask's mode, readable by every user)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        directory.mkdir(mode=REPORT_DIR_MODE, exist_ok=True)
        directory.chmod(REPORT_DIR_MODE)  # whatever the umask


def confined_output_dir(output_dir: str | os.PathLike[str] | None) -> Path:
    """The absolute output directory, refused unless it lies inside the reports root, at most
    MAX_OUTPUT_DIR_DEPTH directories below it. Nothing is created."""
    root = settings.reports_root()
    path = Path(output_dir).expanduser() if output_dir else root
    if not path.is_absolute():
        path = root / path
    path = path.resolve()
    if path != root and root not in path.parents:
        raise InvalidOutputDir(
            f"output directory {path} is outside the reports root {root} "
            "(set ORPHANS_REPORTS_ROOT to allow another place)"
        )
    depth = len(path.relative_to(root).parts)
    if depth > MAX_OUTPUT_DIR_DEPTH:
        raise InvalidOutputDir(
            f"output directory {path} is {depth} directories below the reports root: "
            f"at most {MAX_OUTPUT_DIR_DEPTH}"
        )
    return path


def resolve_output_dir(output_dir: str | os.PathLike[str] | None) -> Path:
    """The absolute output directory (`confined_output_dir`), created if needed and writable."""
    path = confined_output_dir(output_dir)
    try:
        make_report_dir(path)
    except OSError as exc:
        raise InvalidOutputDir(f"cannot create output directory {path}: {exc.strerror}") from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise InvalidOutputDir(f"output directory {path} is not writable")
    return path


def report_paths(output_dir: Path, started_at: datetime) -> tuple[Path, Path]:
    stem = "orphans_report_" + started_at.astimezone(UTC).strftime("%Y%m%d_%H%M%S")
    candidate, n = stem, 1
    # Two runs in the same second must not overwrite each other's report.
    while (output_dir / f"{candidate}.json").exists() or (output_dir / f"{candidate}.csv").exists():
        n += 1
        candidate = f"{stem}_{n}"
    return output_dir / f"{candidate}.json", output_dir / f"{candidate}.csv"


@contextmanager
def _atomic_file(path: Path, mode: str) -> Iterator[IO[Any]]:
    tmp = path.with_name(f".{path.name}.partial")
    tmp.unlink(missing_ok=True)  # left by a run that died while writing
    # Created with its final permissions (never world-readable), and never through a link.
    descriptor = os.open(
        tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, REPORT_FILE_MODE
    )
    with open(descriptor, mode) as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


def _copy_statement(conn: Connection, name: str, run_id: str, wrap_json: bool) -> Any:
    """The COPY statement for a report query, with its parameters bound by psycopg."""
    compiled = sql.statement(name).bindparams(run_id=run_id).compile(dialect=conn.dialect)
    query = psql.SQL(str(compiled))  # the text of a sql/ file, with psycopg placeholders
    if wrap_json:
        template = "copy (select row_to_json(report)::text from ({}\n) as report) to stdout"
        return psql.SQL(template).format(query), compiled.params
    cells = psql.SQL(", ").join(
        psql.SQL("orphans.csv_safe_cell(report.{column}::text) as {column}").format(
            column=psql.Identifier(column)
        )
        for column in REPORT_COLUMNS
    )
    template = "copy (select {} from ({}\n) as report) to stdout with (format csv, header true)"
    return psql.SQL(template).format(cells, query), compiled.params


def write_reports(
    engine: Engine,
    run_id: str,
    *,
    mode: str,
    stats: dict[str, int],
    output_dir: Path,
    started_at: datetime,
) -> tuple[str, str]:
    """Write the JSON and CSV reports of a run; return their paths.

    The two are read side by side, each on a session of its own (0.35 s each at 1,000,000
    drivers): the JSON into an unnamed file (O_TMPFILE), named only once the CSV is whole, so
    that a run that dies leaves the CSV, or nothing, and never a partial JSON. On a file system
    without unnamed files, one after the other, each under its temporary name."""
    json_path, csv_path = report_paths(output_dir, started_at)
    header = {
        "run_id": run_id,
        "mode": mode,
        "started_at": started_at.astimezone(UTC).isoformat(),
        "stats": stats,
    }
    unnamed = _unnamed_file(output_dir)
    if unnamed is None:
        _write_csv(engine, run_id, csv_path)
        crash_point("during_reports")
        with _atomic_file(json_path, "w") as out:
            _write_json(engine, run_id, header, out)
        return str(json_path), str(csv_path)
    with ExitStack() as stack:
        try:
            out = stack.enter_context(open(unnamed, "w"))
        except BaseException:
            os.close(unnamed)
            raise
        # Entered after the file: the thread is done with it before it is closed.
        pool = stack.enter_context(ThreadPoolExecutor(1, thread_name_prefix=REPORT_THREADS))
        # Set first on the way out: a JSON still being read when the CSV fails, or the run is
        # interrupted, stops at its next row (its COPY cancelled) rather than read to its end.
        stop = threading.Event()
        stack.callback(stop.set)
        json_written = pool.submit(_write_json, engine, run_id, header, out, stop)
        _write_csv(engine, run_id, csv_path)
        crash_point("during_reports")
        json_written.result()
        out.flush()
        os.fsync(out.fileno())
        _name_unnamed_file(out.fileno(), json_path)
    return str(json_path), str(csv_path)


REPORT_THREADS = "orphans-report"  # its name's prefix (the bench's recorder knows it by it)


def _unnamed_file(directory: Path) -> int | None:
    """A file in `directory` with no name yet (O_TMPFILE), which this process can name through
    /proc; None where the file system or the system has none."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None:
        return None
    try:
        descriptor = os.open(directory, flag | os.O_RDWR, REPORT_FILE_MODE)
    except OSError:
        return None
    if not os.path.exists(f"/proc/self/fd/{descriptor}"):
        os.close(descriptor)
        return None
    return descriptor


def _name_unnamed_file(descriptor: int, path: Path) -> None:
    """Give the unnamed file open on `descriptor` its name: linked under the temporary name
    `_atomic_file` uses, then renamed over `path`, as that file would be. Where the system
    refuses the link, its content is copied to `path` as `_atomic_file` writes one."""
    tmp = path.with_name(f".{path.name}.partial")
    tmp.unlink(missing_ok=True)  # left by a run that died while writing
    directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        # A directory's descriptor makes Python call linkat, which with AT_SYMLINK_FOLLOW links
        # the file /proc's entry points to (link() would link that entry: EXDEV).
        os.link(f"/proc/self/fd/{descriptor}", tmp.name, dst_dir_fd=directory)
    except OSError:
        tmp.unlink(missing_ok=True)
        with open(descriptor, "rb", closefd=False) as unnamed, _atomic_file(path, "wb") as out:
            unnamed.seek(0)
            while chunk := unnamed.read(1 << 20):
                out.write(chunk)
        return
    finally:
        os.close(directory)
    tmp.replace(path)


@contextmanager
def _report_rows(engine: Engine, run_id: str, as_json: bool) -> Iterator[psycopg.Copy]:
    """The COPY of run `run_id`'s report rows (CSV, or one JSON object per row), on a session
    of its own (each report is read beside the other)."""
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, psycopg.Connection)
        query, params = _copy_statement(conn, "pipeline/select_report_rows", run_id, as_json)
        with raw.cursor() as cur, cur.copy(query, params) as copy:
            yield copy
        conn.rollback()


def _write_csv(engine: Engine, run_id: str, path: Path) -> None:
    """The CSV report, streamed by COPY into `path` (whole or not at all)."""
    with _report_rows(engine, run_id, False) as copy, _atomic_file(path, "wb") as out:
        for chunk in copy:
            out.write(chunk)


class ReportAbandoned(Exception):
    """The JSON report was being read when the run's reports failed or it was interrupted."""


def _write_json(
    engine: Engine,
    run_id: str,
    header: dict[str, Any],
    out: IO[str],
    stop: threading.Event | None = None,
) -> None:
    """The JSON report, its rows streamed by COPY, written to `out` (until `stop` is set)."""
    with _report_rows(engine, run_id, True) as copy:
        out.write(json.dumps(header, indent=2)[:-2] + ',\n  "drivers": [')
        copy.set_types(["text"])
        first = True
        for (line,) in copy.rows():
            if stop is not None and stop.is_set():
                raise ReportAbandoned(f"the JSON report of run {run_id} was abandoned")
            out.write(("\n    " if first else ",\n    ") + line)
            first = False
        out.write("\n  ]\n}\n")


def find_report(engine: Engine, name: str) -> Path:
    """The report file called `name`, found by name in the run registry (`orphans.runs` holds
    every run's report paths), and served only from inside the reports root.

    Only a report's own name is accepted (no directory part); each registry path is checked by
    `report_in_root` (no link followed, nothing outside the root). No directory is walked: an
    unknown name costs one read of the registry.
    """
    if REPORT_NAME.fullmatch(name) is None:
        raise ReportNotFound(f"{name!r} is not the name of a report (orphans_report_*.json|csv)")
    with engine.connect() as conn:
        paths = sql.run(conn, "reports/select_report_paths", report_name=name).scalars().all()
    for path in paths:
        report = report_in_root(path)
        if report is not None:
            return report
    raise ReportNotFound(f"no report {name} in the run registry, inside the reports root")
