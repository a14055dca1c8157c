"""A run's relations staged in shares, side by side (revision 0022, `classify.in_shares`): the
same relations and flags as one statement, one snapshot for every share, all or nothing. And a
read beside the caller's (`sessions.beside`): cancelled, not waited for, when the caller fails."""

import threading
from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from orphans_pipeline.core import classify, detect, runs, sessions, sql
from orphans_pipeline_tests.ct4 import CT4

SCOUTING, CABINET = "module_ct_scouting_daily", "module_ct_cabinet_leads"
DRIVERS = [f"D{n:02d}" for n in range(24)]

STAGED = text(
    "select driver_id, event_id, level, match_strategy, is_ambiguous, is_claimed_by_other "
    "from orphans.run_events where run_id = :run_id order by driver_id, event_id"
)


def _fleet(data: CT4) -> None:
    """Orphans related to events at every level, with ambiguous and claimed ones among them:
    pairs of drivers share a license (an L2 event of both is ambiguous), an L2 event names a
    driver of another person (claimed), one event names four persons' drivers."""
    for n, driver_id in enumerate(DRIVERS):
        person = data.driver(
            driver_id, phone=f"98700{n // 2:04d}", license_number=f"LIC-{n // 2:05d}"
        )
        data.event(SCOUTING, f"S-{n}", {"driver_license": f"LIC-{n // 2:05d}"})
        data.event(CABINET, f"C-{n}", {"park_phone": f"98700{n // 2:04d}"})
        data.event(CABINET, f"P-{n}", {}, person=person)
        named = {"driver_id": DRIVERS[(n + 1) % len(DRIVERS)], "driver_phone": f"98700{n:04d}"}
        data.event(SCOUTING, f"N-{n}", named)
    four = {"driver_id": "D00", "driverId": "D23", "driver": {"driver_id": "D01", "id": "D22"}}
    data.event(SCOUTING, "FOUR", four)


def _detected(engine: Engine, run_id: str) -> None:
    runs.register_run(engine, run_id, execute=False, limit=None, output_dir=None)
    detect.detect_orphans(engine, run_id, None)


def _staged(engine: Engine, run_id: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(STAGED, {"run_id": run_id}).all())


def test_the_shares_stage_what_one_statement_stages(fresh_engine: Engine) -> None:
    """Two shares stage and flag exactly the relations one share does, and neither is empty
    (the candidates and the events split between them)."""
    _fleet(CT4(fresh_engine))
    for run_id, shares in (("whole", 1), ("shared", 2)):
        _detected(fresh_engine, run_id)
        classify.in_shares(fresh_engine, "pipeline/classify_orphans", run_id, shares)
        classify.in_shares(fresh_engine, "pipeline/flag_ambiguous_events", run_id, shares)
    whole, shared = _staged(fresh_engine, "whole"), _staged(fresh_engine, "shared")
    levels = {row.level for row in whole}
    assert levels == {"L1", "L2", "L3"}, levels
    assert any(row.is_ambiguous for row in whole) and any(row.is_claimed_by_other for row in whole)
    assert shared == whole
    with fresh_engine.connect() as conn:
        parts = conn.execute(
            text(
                "select count(distinct mod(hashtext(driver_id), 2) in (0, -2)), "
                "count(distinct mod(event_id, 2) in (0, -2)) "
                "from orphans.run_events where run_id = 'shared'"
            )
        ).one()
    assert tuple(parts) == (2, 2), "both shares staged candidates and flagged events"


def test_every_share_reads_the_snapshot_the_first_exported(
    fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event committed once the first session has exported its snapshot, before the
    shares run, is staged by neither: the shares read the data as one statement would."""
    data = CT4(fresh_engine)
    _fleet(data)
    _detected(fresh_engine, "snap")
    run = sql.run

    def commit_after_export(conn: Connection, name: str, **params: Any) -> Any:
        result = run(conn, name, **params)
        if name == "session/export_snapshot":
            for driver_id in DRIVERS:
                data.event(SCOUTING, f"LATE-{driver_id}", {"driver_id": driver_id})
        return result

    monkeypatch.setattr(sql, "run", commit_after_export)
    classify.in_shares(fresh_engine, "pipeline/classify_orphans", "snap", 2)
    with fresh_engine.connect() as conn:
        late = conn.execute(
            text(
                "select count(*) from orphans.run_events as staged "
                "inner join observational.lead_events as event on event.id = staged.event_id "
                "where staged.run_id = 'snap' and event.source_pk like 'LATE-%'"
            )
        ).scalar_one()
    assert late == 0, f"{late} relations to an event committed after the snapshot"
    assert _staged(fresh_engine, "snap"), "the shares staged the other relations"


@pytest.mark.parametrize("failing", [0, 1])
def test_a_failed_share_cancels_the_others_and_keeps_nothing(
    fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch, failing: int
) -> None:
    """One share fails (the first session's, or the second's) while the other is still
    running: that one is cancelled, not waited for, and no share's relations are kept."""
    _fleet(CT4(fresh_engine))
    _detected(fresh_engine, "fails")
    staged = sql.run
    other_running = threading.Event()
    cancelled: list[BaseException] = []

    def one_fails(conn: Connection, name: str, **params: Any) -> Any:
        if params.get("part") is None:
            return staged(conn, name, **params)
        result = staged(conn, name, **params)  # its relations written, not yet committed
        if params["part"] == failing:
            assert other_running.wait(60)
            raise RuntimeError("share failed")
        other_running.set()
        try:
            conn.execute(text("select pg_sleep(120)"))
        except DBAPIError as exc:
            cancelled.append(exc.orig if exc.orig is not None else exc)
            raise
        return result

    monkeypatch.setattr(sql, "run", one_fails)
    with pytest.raises(RuntimeError, match="share failed"):
        classify.in_shares(fresh_engine, "pipeline/classify_orphans", "fails", 2)
    assert len(cancelled) == 1 and isinstance(cancelled[0], psycopg.errors.QueryCanceled)
    assert _staged(fresh_engine, "fails") == []


@pytest.mark.parametrize(("part", "parts"), [(2, 2), (-1, 2), (0, 0), (None, 1), (0, None)])
def test_a_share_that_is_none_is_refused(engine: Engine, part: Any, parts: Any) -> None:
    """A share outside its parts would stage nothing and lose the run's relations in silence:
    the functions refuse it."""
    for name in ("pipeline/classify_orphans", "pipeline/flag_ambiguous_events"):
        with engine.begin() as conn:
            conn.execute(
                text(
                    "insert into orphans.runs (run_id, mode, status) "
                    "values ('share', 'dry_run', 'running') on conflict do nothing"
                )
            )
        with pytest.raises(DBAPIError) as raised, engine.begin() as conn:
            sql.run(conn, name, run_id="share", part=part, parts=parts)
        assert getattr(raised.value.orig, "sqlstate", None) == "22023", raised.value


def test_a_read_beside_is_cancelled_not_waited_for_when_its_caller_fails(engine: Engine) -> None:
    """The caller fails while the read beside it runs: the read is cancelled (it would take two
    minutes), its session closed, and the caller's error is the one raised."""
    with (
        pytest.raises(RuntimeError, match="the caller failed"),
        sessions.beside(
            engine, lambda conn: conn.execute(text("select pg_sleep(120)")), "beside-test"
        ) as read,
    ):
        raise RuntimeError("the caller failed")
    error = read.exception()
    assert isinstance(error, DBAPIError), error
    assert isinstance(error.orig, psycopg.errors.QueryCanceled), error


def test_a_read_beside_gives_its_result(engine: Engine) -> None:
    with sessions.beside(
        engine, lambda conn: conn.execute(text("select 41 + 1")).scalar_one(), "beside-test"
    ) as read:
        pass
    assert read.result() == 42
