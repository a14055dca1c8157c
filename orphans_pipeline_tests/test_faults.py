"""Fault injection: the run worker of an execute launched as in production (`orphans-pipeline
fix --execute`, through the Dagster instance) is killed (SIGKILL) or interrupted (SIGINT) at
named points, a review is killed, and the database connection is dropped mid-run. Each time
the database is exactly as before or fully applied, the next run completes the work, nothing
is duplicated, and the run registry and Dagster tell the same story of the failed run."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from orphans_pipeline.core import demo, fix, schema
from orphans_pipeline.core.faults import ACTION_ENV, FAULT_ENV
from orphans_pipeline.core.locking import ORPHANS_LOCK_KEY
from orphans_pipeline_tests.conftest import DatabaseFactory, url_of
from orphans_pipeline_tests.ct4 import CT4, snapshot
from orphans_pipeline_tests.pipeline_helpers import run_fix

QUARANTINE = ("canon.driver_orphan_quarantine", "canon.driver_orphan_quarantine_history")
TABLES = (*schema.CT4_TABLES, *QUARANTINE)
SEED = 17

pytestmark = pytest.mark.usefixtures("reports_root", "dagster_home")


@pytest.fixture
def demo_engine(fresh_engine: Engine) -> Engine:
    demo.load_demo_data(fresh_engine, 300, seed=SEED)
    return fresh_engine


@pytest.fixture
def executed_once(module_databases: DatabaseFactory) -> dict[str, Any]:
    """What one uninterrupted execute leaves, on its own copy of the same demo data."""
    engine = module_databases.create("control")
    demo.load_demo_data(engine, 300, seed=SEED)
    run_fix(engine, fix.FixOptions(execute=True, lock_wait_seconds=5))
    return outcome(engine)


def outcome(engine: Engine) -> dict[str, Any]:
    """The end state, without run ids and times: statuses, links, history per driver."""
    with engine.connect() as conn:
        return {
            "statuses": conn.execute(
                text(
                    "select driver_id, status::text, detected_reason::text "
                    "from canon.driver_orphan_quarantine order by driver_id"
                )
            ).all(),
            "links": conn.execute(
                text(
                    "select source_table, source_pk, person_key::text, match_rule "
                    "from canon.identity_links order by source_table, source_pk"
                )
            ).all(),
            "history": conn.execute(
                text(
                    "select driver_id, from_status::text, to_status::text, to_reason::text, "
                    "count(*) from canon.driver_orphan_quarantine_history "
                    "group by 1, 2, 3, 4 order by 1, 2, 3, 4"
                )
            ).all(),
        }


def run_in_child(
    engine: Engine, point: str, action: str = "kill"
) -> subprocess.CompletedProcess[str]:
    """`orphans-pipeline fix --execute`, whose run worker acts at `point`; the CLI waits."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "orphans-pipeline"), "fix", "--execute"],
        env={
            **os.environ,
            "DATABASE_URL": url_of(engine),
            FAULT_ENV: point,
            ACTION_ENV: action,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )


def dagster_status(run_id: str) -> str:
    with dg.DagsterInstance.get() as instance:
        run = instance.get_run_by_id(run_id)
        assert run is not None
        return run.status.value


def registry(engine: Engine) -> list[tuple[str, str, str | None]]:
    with engine.connect() as conn:
        return [
            tuple(row)  # type: ignore[misc]
            for row in conn.execute(
                text("select run_id, status, error from orphans.runs order by started_at")
            )
        ]


@pytest.mark.parametrize(
    ("point", "action"),
    [
        ("after_links", "kill"),
        ("after_links", "interrupt"),
        ("before_quarantine_writes", "kill"),
        ("before_quarantine_writes", "interrupt"),
        ("before_commit", "kill"),
        ("before_commit", "interrupt"),
    ],
)
def test_a_fault_inside_the_execute_leaves_everything_as_before(
    demo_engine: Engine, executed_once: dict[str, Any], point: str, action: str
) -> None:
    before = snapshot(demo_engine, TABLES)
    failed = run_in_child(demo_engine, point, action)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "result: FAILED" in failed.stdout
    assert snapshot(demo_engine, TABLES) == before
    [(failed_run, status, error)] = registry(demo_engine)
    # The CLI saw the worker die (or fail) and both records say so.
    assert status == "failed" and error
    assert dagster_status(failed_run) in ("FAILURE", "CANCELED")

    run_fix(demo_engine, fix.FixOptions(execute=True, lock_wait_seconds=5))
    assert outcome(demo_engine) == executed_once
    assert sorted(state for _, state, _ in registry(demo_engine)) == ["failed", "succeeded"]


@pytest.mark.parametrize("action", ["kill", "interrupt"])
def test_a_fault_during_the_views_fails_the_run_in_both_records(
    demo_engine: Engine, executed_once: dict[str, Any], action: str
) -> None:
    """The execute had committed; the run did not finish: neither record says succeeded."""
    failed = run_in_child(demo_engine, "during_views", action)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert outcome(demo_engine) == executed_once
    [(failed_run, status, _)] = registry(demo_engine)
    assert status == "failed"
    assert dagster_status(failed_run) in ("FAILURE", "CANCELED")


@pytest.mark.parametrize("action", ["kill", "interrupt"])
def test_a_fault_while_the_reports_are_written_keeps_the_committed_execute(
    demo_engine: Engine, executed_once: dict[str, Any], reports_root: Path, action: str
) -> None:
    earlier = set(reports_root.iterdir())  # the control run's reports
    killed = run_in_child(demo_engine, "during_reports", action)
    assert killed.returncode == 1
    [(failed_run, status, _)] = registry(demo_engine)
    assert status == "failed" and dagster_status(failed_run) in ("FAILURE", "CANCELED")
    assert outcome(demo_engine) == executed_once  # the execute had committed
    files = sorted(path.name for path in set(reports_root.iterdir()) - earlier)
    assert [name.rsplit(".", 1)[1] for name in files] == ["csv"]  # no partial JSON, no temp file
    before = snapshot(demo_engine, TABLES)
    second = run_fix(demo_engine, fix.FixOptions(execute=True, lock_wait_seconds=5))
    assert second.stats["links_created"] == 0 and second.stats["newly_quarantined"] == 0
    assert snapshot(demo_engine, TABLES) == before
    assert [status for _, status, _ in registry(demo_engine)] == ["failed", "succeeded"]


def test_a_kill_inside_a_review_writes_nothing(demo_engine: Engine) -> None:
    run_fix(demo_engine, fix.FixOptions(execute=True, lock_wait_seconds=5))
    with demo_engine.connect() as conn:
        driver = conn.execute(
            text(
                "select driver_id from canon.driver_orphan_quarantine "
                "where status = 'quarantined' order by driver_id limit 1"
            )
        ).scalar_one()
    before = snapshot(demo_engine, TABLES)
    code = (
        "import sys\n"
        "from orphans_pipeline.core import db, review\n"
        "review.review(db.get_engine(sys.argv[1]), 'purge', driver_id=sys.argv[2],\n"
        "              reviewer='ana', notes='x', execute=True)\n"
    )
    killed = subprocess.run(
        [sys.executable, "-c", code, url_of(demo_engine), driver],
        env={**os.environ, FAULT_ENV: "review_before_commit"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert snapshot(demo_engine, TABLES) == before
    row = CT4(demo_engine).quarantine_row(driver)
    assert row is not None and row["status"] == "quarantined"


def test_a_dropped_connection_mid_run_writes_nothing_and_is_recorded(
    demo_engine: Engine, admin_url: str, executed_once: dict[str, Any]
) -> None:
    """The session holding the pipeline lock is terminated: the run fails, nothing stays."""
    import psycopg

    before = snapshot(demo_engine, TABLES)
    database = demo_engine.url.database
    terminated: list[int] = []

    def terminate_the_lock_holder() -> None:
        # The applying transaction's holder, seen past its first statements: the detection's
        # adoption takes the lock too, for a transaction so short that it had often committed
        # by the time it was terminated, and the run went on on a new connection (flaky).
        with psycopg.connect(admin_url, autocommit=True) as admin:
            for _ in range(600):
                pids = admin.execute(
                    "select pid from pg_locks join pg_stat_activity using (pid) "
                    "where locktype = 'advisory' and datname = %s "
                    "and ((classid::bigint << 32) | objid::bigint) = %s "
                    "and query not like '%%try_lock_orphans_pipeline%%' "
                    "and query not like '%%adopt_quarantine_rows%%'",
                    (database, ORPHANS_LOCK_KEY),
                ).fetchall()
                if pids:
                    for (pid,) in pids:
                        admin.execute("select pg_terminate_backend(%s)", (pid,))
                        terminated.append(pid)
                    return
                time.sleep(0.01)

    watcher = threading.Thread(target=terminate_the_lock_holder)
    watcher.start()
    with pytest.raises(DBAPIError):
        run_fix(demo_engine, fix.FixOptions(execute=True, lock_wait_seconds=5))
    watcher.join()
    assert terminated
    demo_engine.dispose()  # the pool still holds the terminated connection
    assert snapshot(demo_engine, TABLES) == before
    [(_, status, error)] = registry(demo_engine)
    assert status == "failed" and error
    run_fix(demo_engine, fix.FixOptions(execute=True, lock_wait_seconds=5))
    assert outcome(demo_engine) == executed_once
