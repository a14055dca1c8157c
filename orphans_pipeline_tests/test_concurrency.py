"""Concurrency: two executes at once (two processes; the API against a run in progress; an
execute against a held pipeline lock), and CT4 ingestion writing leads, events and links while
a run is in progress."""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from orphans_pipeline.api.app import PREFIX, create_app
from orphans_pipeline.api.settings import ApiSettings
from orphans_pipeline.core import classify, demo, detect, fix, schema
from orphans_pipeline.core.locking import ORPHANS_LOCK_KEY, PipelineBusy
from orphans_pipeline_tests.conftest import DatabaseFactory, url_of
from orphans_pipeline_tests.ct4 import CT4, snapshot
from orphans_pipeline_tests.pipeline_helpers import run_fix
from orphans_pipeline_tests.test_faults import outcome

SEED = 23
MIGRATIONS, CABINET = "module_ct_migrations", "module_ct_cabinet_leads"
TABLES = (*schema.CT4_TABLES, *schema.OWNED_TABLES)

pytestmark = pytest.mark.usefixtures("reports_root")


@pytest.fixture
def demo_engine(fresh_engine: Engine) -> Engine:
    demo.load_demo_data(fresh_engine, 300, seed=SEED)
    return fresh_engine


class HeldLock:
    """Another execute (or CT4 ingestion) holding the pipeline's advisory lock."""

    def __init__(self, engine: Engine) -> None:
        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.conn = psycopg.connect(url)
        self.conn.execute("select pg_advisory_xact_lock(%s)", (ORPHANS_LOCK_KEY,))

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def test_two_executes_at_once_one_applies_the_other_finds_nothing_left(
    demo_engine: Engine, module_databases: DatabaseFactory
) -> None:
    control = module_databases.create("control")
    demo.load_demo_data(control, 300, seed=SEED)
    run_fix(control, fix.FixOptions(execute=True, lock_wait_seconds=5))

    code = (
        "import json, sys\n"
        "from orphans_pipeline.core import db, fix\n"
        "from orphans_pipeline_tests.pipeline_helpers import run_fix\n"
        "r = run_fix(db.get_engine(sys.argv[1]), fix.FixOptions(execute=True))\n"
        "print(json.dumps(r.stats))\n"
    )
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, url_of(demo_engine)],
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [child.communicate(timeout=300) for child in children]
    assert [child.returncode for child in children] == [0, 0], results
    stats = [json.loads(out.strip().splitlines()[-1]) for out, _ in results]
    created = sorted(run["links_created"] for run in stats)
    assert created[0] == 0 and created[1] > 0  # the second waited, then had nothing to create
    assert outcome(demo_engine) == outcome(control)  # no duplicate link or history row


def test_an_execute_refuses_clearly_when_the_lock_stays_held(demo_engine: Engine) -> None:
    before = snapshot(demo_engine, TABLES)
    held = HeldLock(demo_engine)
    try:
        with pytest.raises(PipelineBusy, match="nothing was written"):
            run_fix(demo_engine, fix.FixOptions(execute=True, lock_wait_seconds=0.5))
    finally:
        held.release()
    assert snapshot(demo_engine, TABLES) == before
    # A dry run takes no lock: it reads one snapshot and can run beside an execute.
    held = HeldLock(demo_engine)
    try:
        run_fix(demo_engine, fix.FixOptions(execute=False, lock_wait_seconds=0.5))
    finally:
        held.release()


def test_the_api_refuses_a_second_run_while_one_is_in_progress(
    demo_engine: Engine, dagster_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", url_of(demo_engine))
    auth = {"Authorization": "Bearer t"}
    held = HeldLock(demo_engine)  # a CLI execute in the middle of its writes
    released = False
    try:
        with TestClient(
            create_app(ApiSettings(api_token="t", enable_fix=True), engine=lambda: demo_engine)
        ) as api:
            first = api.post(f"{PREFIX}/run-fix", json={"execute": True}, headers=auth)
            assert first.status_code == 202
            run_id = first.json()["run_id"]
            second = api.post(f"{PREFIX}/run-fix", json={"execute": False}, headers=auth)
            assert second.status_code == 409 and "has not finished" in second.json()["detail"]
            assert api.get(f"{PREFIX}/runs/{run_id}").json()["finished"] is False
            held.release()
            released = True
            deadline = time.monotonic() + 120
            while not (run := api.get(f"{PREFIX}/runs/{run_id}").json())["finished"]:
                assert time.monotonic() < deadline
                time.sleep(0.2)
            assert run["status"] == "SUCCESS" and run["stats"]["links_created"] > 0
    finally:
        if not released:
            held.release()


def test_a_lead_link_ingested_mid_run_releases_the_driver_in_that_run(fresh_engine: Engine) -> None:
    """Detected and classified without a lead; the lead link lands before the writes."""
    data = CT4(fresh_engine)
    person = data.driver("D1")
    run_id = "mid-run"
    fix.runs.register_run(fresh_engine, run_id, execute=True, limit=None, output_dir=None)
    detect.detect_orphans(fresh_engine, run_id, None)
    classify.classify_orphans(fresh_engine, run_id)
    data.link(person, "module_ct_scouting_daily", data.lead("module_ct_scouting_daily"))
    applied = fix.apply_run(fresh_engine, run_id, execute=True, lock_wait_seconds=5)
    assert applied.stats["resolved_relinked"] == 1 and applied.stats["quarantined"] == 0
    row = data.quarantine_row("D1")
    assert row is not None and row["status"] == "resolved_relinked"


def test_ingestion_during_a_run_loses_nothing_and_the_next_run_releases(
    fresh_engine: Engine,
) -> None:
    """Leads, events and links written by a CT4-style writer throughout a run."""
    data = CT4(fresh_engine)
    for n in range(40):
        data.driver(f"LATE-{n:02d}")
    stop = threading.Event()
    written: list[str] = []

    def ingest() -> None:
        writer = CT4(fresh_engine)
        # From the moment the run has detected its candidates (the job starts in a second or
        # so), so that all 40 are orphans of this run and the writes meet its later steps.
        for _ in range(3000):
            with fresh_engine.connect() as conn:
                staged = conn.execute(text("select count(*) from orphans.run_candidates"))
                if staged.scalar_one():
                    break
            time.sleep(0.01)
        n = 0
        while not stop.is_set() and n < 40:
            driver = f"LATE-{n:02d}"
            # Half get a lead event naming them, half a lead link on their person.
            if n % 2:
                writer.event(
                    "module_ct_migrations",
                    writer.lead("module_ct_migrations"),
                    {"driver_id": driver},
                )
            else:
                person = writer.rows("canon.identity_links", source_pk=driver)[0]["person_key"]
                writer.link(
                    person, "module_ct_cabinet_leads", writer.lead("module_ct_cabinet_leads")
                )
            written.append(driver)
            n += 1
            time.sleep(0.005)

    thread = threading.Thread(target=ingest)
    thread.start()
    run_fix(fresh_engine, fix.FixOptions(execute=True, lock_wait_seconds=30))
    thread.join()
    stop.set()
    assert len(written) == 40
    result: Any = run_fix(fresh_engine, fix.FixOptions(execute=True, lock_wait_seconds=30))
    assert result.stats["quarantined"] == 0
    with fresh_engine.connect() as conn:
        statuses = conn.execute(
            text("select status::text, count(*) from canon.driver_orphan_quarantine group by 1")
        ).all()
        orphans = conn.execute(
            text(
                "select count(*) from canon.identity_links as driver_link "
                "where driver_link.source_table = 'drivers' and not exists ("
                "select 1 from canon.identity_links as lead where lead.person_key = "
                "driver_link.person_key and lead.source_table <> 'drivers')"
            )
        ).scalar_one()
    assert dict(statuses) == {"resolved_relinked": 40} and orphans == 0


def test_a_run_never_waits_for_another_s_outcome_statistics(fresh_engine: Engine) -> None:
    """The outcomes' ANALYZE (in the applying transaction) keeps its lock until commit; a run
    that cannot take it at once plans without fresh statistics rather than wait, for another
    run or for the reviews queued behind an execute's pipeline lock."""
    held = text(
        "select count(*) from pg_locks where pid = pg_backend_pid() "
        "and relation = 'orphans.run_outcomes'::regclass and mode = 'ShareUpdateExclusiveLock'"
    )
    with fresh_engine.connect() as holder, holder.begin():
        holder.execute(text("lock table orphans.run_outcomes in share update exclusive mode"))
        with fresh_engine.connect() as conn, conn.begin():
            fix._analyze_outcomes(conn)  # returns at once, the transaction still usable
            assert conn.execute(held).scalar_one() == 0
    with fresh_engine.connect() as conn, conn.begin():
        fix._analyze_outcomes(conn)
        assert conn.execute(held).scalar_one() == 1  # analyzed, the lock kept to commit
