"""Step 6: prove it. The integrity query of domain.md and the leak and audit-trail checks."""

import logging
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from orphans_pipeline.core import settings, sql

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    count: int
    driver_ids: list[str]
    details: dict[str, Any] = field(default_factory=dict)


def _check(
    engine: Engine,
    name: str,
    count_column: str,
    conn: Connection | None = None,
    **params: Any,
) -> CheckResult:
    with ExitStack() as stack:
        session = conn if conn is not None else stack.enter_context(engine.connect())
        row = sql.run(session, name, **params).mappings().one()
    details = {k: v for k, v in row.items() if k not in (count_column, "driver_ids")}
    count = int(row[count_column])
    return CheckResult(count == 0, count, list(row["driver_ids"]), details)


def count_operational_orphans(
    engine: Engine, run_id: str | None = None, conn: Connection | None = None
) -> CheckResult:
    """Driver links whose person has no lead link and that are not quarantined: must be 0
    (read on `conn` when given, else on a session of its own).

    Any found after run `run_id`, an execute without a limit, make the next run a full sweep:
    an incremental run seeks orphans where the change log points, and these were made where it
    did not (triggers off, a restore). A run with a limit leaves orphans by design, all logged."""
    result = _check(engine, "checks/count_operational_orphans", "orphans", conn)
    if not result.passed and run_id is not None:
        with engine.begin() as conn:
            sql.run(conn, "checks/request_full_sweep", run_id=run_id)
    return result


# The thread that reads the integrity query beside the leak check (defs/checks.py), by its
# name's prefix (the bench's recorder knows it by it).
PROOF_THREADS = "orphans-proof"
# Views read at a time, each on a connection of its own: CT4's slowest view then costs its
# budget beside the others' reads, not after them (2 cores: more would only queue).
LEAK_CHECK_READERS = 2
LEAK_CHECK_THREADS = "leak-check"  # their names' prefix (the bench's recorder knows them by it)
# How long one of CT4's views cut by its budget is named unverified without being read again
# (its definition unchanged, its budget no larger): a monthly retry.
REMEMBER_CUT_DAYS = 28


def count_ops_view_leaks(engine: Engine, ct4_view_seconds: float | None = None) -> CheckResult:
    """Quarantined or purged drivers visible in any view of ops or observational with a
    driver_id, CT4's own included (the quarantine list aside): must be 0. `per_view` names
    each view that shows one.

    Each view is read in a statement of its own, LEAK_CHECK_READERS at a time (one of the
    project's only once every view it reads is settled). One of CT4's views may cost more than
    linear time to read (its correlated subqueries: minutes at 100,000 drivers), so each of
    CT4's gets `ct4_view_seconds` (ORPHANS_LEAK_CHECK_VIEW_SECONDS): one not read in time is
    listed in `unverified`, and so is one of CT4's built on one known to be so (left unread);
    the check then does not pass.
    Such a cut is remembered (orphans.leak_check_cuts): for REMEMBER_CUT_DAYS, while its
    definition and those of the views it reads are unchanged and the budget no larger, the
    view is named unverified without being read again (`remembered_cuts`), which saves that
    budget in every execute.
    A view whose definition proves it (`proven`: orphans.views_proven_by_definition) is not
    read: one of CT4's the project gave the operational filter, one of the project's own,
    which take their drivers from ops.v_operational_drivers (always read), or CT4's funnel or
    claims views, as CT4 ships them, while the data leave no excluded driver they could show.
    Such a view is read after all when a view it reads shows an excluded driver."""
    budget = settings.leak_check_view_seconds() if ct4_view_seconds is None else ct4_view_seconds
    # A budget of 0 is none (null): larger than any a cut was remembered with.
    compared = budget if budget > 0 else None
    with engine.connect() as conn:
        views = list(
            sql.run(
                conn,
                "checks/select_leak_check_views",
                budget_seconds=compared,
                remember_days=REMEMBER_CUT_DAYS,
            ).mappings()
        )
    names = [str(view["view_name"]) for view in views]
    checked = set(names)
    # Each view's outcome: "proven", "unverified", or the row of its read (leaks, driver_ids).
    outcome: dict[str, Any] = {}
    waiting = dict(zip(names, views, strict=True))
    reading: dict[Future[Any], str] = {}
    remembered: list[str] = []  # not read: cut by this budget before (orphans.leak_check_cuts)
    finished: list[str] = []  # the views read, in time or cut
    pool = ThreadPoolExecutor(LEAK_CHECK_READERS, thread_name_prefix=LEAK_CHECK_THREADS)
    try:
        while waiting or reading:
            # A view is decided once the views it reads are; one of CT4's to read needs not
            # wait for them (only one already known unverified spares its read).
            ready = [
                name
                for name, view in waiting.items()
                if (view["is_ct4"] and not view["proven"])
                or all(read in outcome for read in _reads(view, name, checked))
            ]
            if not ready and not reading:
                # Views that read each other in a cycle (PostgreSQL refuses them only when
                # read): the first is read as it stands, and fails as the database says.
                ready = [next(iter(waiting))]
            for name in ready:
                view = waiting.pop(name)
                settled = [outcome.get(read) for read in _reads(view, name, checked)]
                on_unverified = "unverified" in settled
                on_leaking = any(_leaks(read) for read in settled)
                if view["proven"] and not (on_unverified or on_leaking):
                    outcome[name] = "proven"
                elif view["is_ct4"] and on_unverified:
                    outcome[name] = "unverified"  # built on a view too slow to read: as slow
                elif view["is_ct4"] and view["remembered_cut"]:
                    outcome[name] = "unverified"
                    remembered.append(name)
                else:
                    seconds = budget if view["is_ct4"] else None
                    reading[pool.submit(_read_view, engine, name, seconds)] = name
            if reading:
                done, _ = wait(reading, return_when=FIRST_COMPLETED)
                for future in done:
                    name = reading.pop(future)
                    outcome[name] = future.result()
                    finished.append(name)
    except BaseException:
        # A failed read, or the step interrupted: the reads not started yet never start.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    _record_cuts(engine, outcome, finished, compared)
    per_view = {name: int(outcome[name].leaks) for name in names if _leaks(outcome[name])}
    driver_ids = {
        str(driver_id) for name in per_view for driver_id in outcome[name].driver_ids or ()
    }
    details: dict[str, Any] = {
        "per_view": per_view,
        "views": len(views),
        "proven": [name for name in names if outcome[name] == "proven"],
    }
    unverified = [name for name in names if outcome[name] == "unverified"]
    if unverified:
        details["unverified"] = unverified
    if remembered:
        details["remembered_cuts"] = remembered
    count = sum(per_view.values())
    return CheckResult(count == 0 and not unverified, count, sorted(driver_ids)[:20], details)


def _record_cuts(
    engine: Engine, outcome: dict[str, Any], finished: list[str], budget: float | None
) -> None:
    """Remember the views this budget cut, forget those read in time and those proven by
    their definition (a cut remembered from before the proof would otherwise name the view
    unverified, unread, the day its proof no longer holds). A check whose role may not record
    (the function is the pipeline role's) still reports what it found."""
    proven = [name for name, found in outcome.items() if found == "proven"]
    try:
        with engine.begin() as conn:
            sql.run(
                conn,
                "checks/record_leak_check_cuts",
                cut=[name for name in finished if outcome[name] == "unverified"],
                read=[name for name in finished if outcome[name] != "unverified"] + proven,
                budget_seconds=budget,
            )
    except DBAPIError:
        LOG.warning("the leak check's cuts were not recorded", exc_info=True)


def _reads(view: Any, name: str, checked: set[str]) -> list[str]:
    """The views of the check that `view` reads (itself aside: a view in a read cycle)."""
    return [read for read in view["reads"] or () if read in checked and read != name]


def _leaks(outcome: Any) -> bool:
    return outcome is not None and not isinstance(outcome, str) and bool(outcome.leaks)


def _read_view(engine: Engine, name: str, budget_seconds: float | None) -> Any:
    """One view's leaks (orphans.count_view_leaks), in a read-only transaction of its own,
    rolled back: it also ends the time budget. "unverified" when the budget cut the read."""
    with engine.connect() as conn:
        try:
            milliseconds = 0 if budget_seconds is None else int(budget_seconds * 1000)
            sql.run(conn, "session/set_statement_timeout", milliseconds=milliseconds)
            return sql.run(conn, "checks/count_view_leaks", view_name=name).one()
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != "57014":  # query_canceled
                raise
            return "unverified"
        finally:
            conn.rollback()


def count_quarantine_audit_gaps(engine: Engine) -> CheckResult:
    """Quarantine rows without reason, creation_rule, evidence or a matching history row."""
    return _check(engine, "checks/count_quarantine_audit_gaps", "gaps")


def count_recorded_driver_links(engine: Engine, run_id: str) -> CheckResult:
    """Driver links the guard (record mode) let in without a lead link since the last
    successful execute before `run_id`: should be 0 once CT4's ingestion writes leads first."""
    return _check(engine, "checks/count_recorded_driver_links", "recorded", run_id=run_id)


def count_quarantine_by_status(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = sql.run(conn, "checks/count_quarantine_by_status").mappings().all()
    return {str(row["status"]): int(row["rows"]) for row in rows}
