"""The whole pipeline on demo data, as runs of the job: a dry run writes nothing and reports
what the execute then does; a second execute writes nothing; --limit; integrity, leak and audit
checks; ops views; the run registry."""

import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from orphans_pipeline.core import demo, fix, integrity, reports, runs, schema
from orphans_pipeline_tests.ct4 import CT4, snapshot
from orphans_pipeline_tests.pipeline_helpers import report_rows, run_fix

TABLES = schema.CT4_TABLES + schema.OWNED_TABLES


@pytest.fixture
def demo_engine(fresh_engine: Engine) -> Engine:
    demo.load_demo_data(fresh_engine, 500, seed=3)
    return fresh_engine


@pytest.mark.usefixtures("reports_root")
def test_dry_run_changes_nothing_and_equals_the_execute(demo_engine: Engine) -> None:
    before = snapshot(demo_engine, TABLES)
    dry = run_fix(demo_engine, execute=False)
    assert snapshot(demo_engine, TABLES) == before
    executed = run_fix(demo_engine, execute=True)
    assert report_rows(dry) == report_rows(executed)
    assert dry.stats == executed.stats
    assert snapshot(demo_engine, TABLES) != before
    assert integrity.count_operational_orphans(demo_engine).passed


@pytest.mark.usefixtures("reports_root")
def test_second_execute_writes_nothing(demo_engine: Engine) -> None:
    first = run_fix(demo_engine)
    before = snapshot(demo_engine, TABLES)
    second = run_fix(demo_engine)
    assert snapshot(demo_engine, TABLES) == before
    assert second.stats["links_created"] == 0
    assert second.applied is not None
    assert (second.applied.quarantine_rows_written, second.applied.history_rows) == (0, 0)
    # Nothing changed since the first: the incremental run re-judges no quarantined row.
    assert second.stats["processed"] == 0
    # A full sweep re-judges every one of them, and writes nothing either.
    swept = run_fix(demo_engine, fix.FixOptions(execute=True, lock_wait_seconds=5, full=True))
    assert snapshot(demo_engine, TABLES) == before
    assert swept.applied is not None
    assert (swept.applied.quarantine_rows_written, swept.applied.history_rows) == (0, 0)
    assert swept.stats["processed"] == first.stats["quarantined"]


@pytest.mark.usefixtures("reports_root")
def test_limit_takes_the_first_candidates_by_driver_id(demo_engine: Engine) -> None:
    dry_all = report_rows(run_fix(demo_engine, execute=False))
    limited = run_fix(demo_engine, limit=7)
    assert [r["driver_id"] for r in report_rows(limited)] == [r["driver_id"] for r in dry_all[:7]]
    assert limited.stats["processed"] == 7
    check = integrity.count_operational_orphans(demo_engine)
    assert not check.passed  # the rest are still orphans until a full run
    run_fix(demo_engine)
    assert integrity.count_operational_orphans(demo_engine).passed


@pytest.mark.usefixtures("reports_root")
def test_checks_pass_after_execute_and_fail_on_an_injected_orphan(demo_engine: Engine) -> None:
    run_fix(demo_engine)
    from orphans_pipeline.core import views

    views.refresh_ops_views(demo_engine)
    for check in (
        integrity.count_operational_orphans,
        integrity.count_ops_view_leaks,
        integrity.count_quarantine_audit_gaps,
    ):
        assert check(demo_engine).passed, check.__name__
    CT4(demo_engine).driver("INJECTED-1")
    failed = integrity.count_operational_orphans(demo_engine)
    assert (failed.passed, failed.count, failed.driver_ids) == (False, 1, ["INJECTED-1"])


@pytest.mark.usefixtures("reports_root")
def test_ops_views_exclude_quarantined_and_purged(demo_engine: Engine) -> None:
    from orphans_pipeline.core import views

    run_fix(demo_engine)
    counts = views.refresh_ops_views(demo_engine)
    with demo_engine.connect() as conn:
        excluded = set(
            conn.execute(
                text(
                    "select driver_id from canon.driver_orphan_quarantine "
                    "where status in ('quarantined', 'purged')"
                )
            ).scalars()
        )
        operational = set(
            conn.execute(text("select driver_id from ops.v_operational_drivers")).scalars()
        )
        orphan_view = conn.execute(
            text("select count(*), sum(driver_links_count) from ops.v_driver_orphans")
        ).one()
    assert excluded and not (excluded & operational)
    assert counts["operational_drivers"] == len(operational)
    assert counts["claims_for_collection"] > 0 and counts["claims_amount"] > 0
    with demo_engine.connect() as conn:
        due = conn.execute(text("select sum(amount_due) from ops.v_payment_calculation")).scalar()
    assert due == counts["claims_amount"]
    assert orphan_view[0] == counts["driver_orphans_rows"]


def test_run_registry_and_reports(demo_engine: Engine, reports_root: Path) -> None:
    import json

    result = run_fix(demo_engine)
    row = runs.get_run(demo_engine, result.run_id)
    assert row is not None
    assert (row["mode"], row["status"]) == ("execute", "succeeded")
    assert row["stats"]["processed"] == result.stats["processed"]
    assert Path(row["report_json_path"]).parent == reports_root
    assert Path(row["report_json_path"]).name.startswith("orphans_report_")
    report = json.loads(Path(result.report_json).read_text())
    assert report["stats"] == result.stats
    assert len(report["drivers"]) == result.stats["processed"]
    assert list(report["drivers"][0]) == [
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
    ]
    with demo_engine.connect() as conn:
        leftovers = conn.execute(text("select count(*) from orphans.run_outcomes")).scalar_one()
    assert leftovers == 0


def test_the_json_report_read_beside_the_csv_is_the_one_read_after_it(
    demo_engine: Engine, reports_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The JSON report is read beside the CSV into an unnamed file, named once both are whole
    (copied to its name where the system refuses to link it); where the file system has no
    unnamed files, after the CSV under a temporary name. All give the same reports, with the
    reports' mode, and leave no temporary file."""
    import json

    named: list[Path] = []
    name_unnamed_file = reports._name_unnamed_file

    def spy(descriptor: int, path: Path) -> None:
        named.append(path)
        name_unnamed_file(descriptor, path)

    probe = reports._unnamed_file(reports_root)
    if probe is not None:
        os.close(probe)
    monkeypatch.setattr(reports, "_name_unnamed_file", spy)
    written = []
    if probe is not None:  # a file system with unnamed files (Linux's tmpfs, ext4, xfs, ...)
        beside = run_fix(demo_engine, execute=False)
        assert named == [Path(beside.report_json)]

        def refused(*args: object, **kwargs: object) -> None:
            raise PermissionError("no link here")

        with monkeypatch.context() as no_link:
            no_link.setattr(os, "link", refused)
            copied = run_fix(demo_engine, execute=False)
        assert named[1:] == [Path(copied.report_json)]
        written = [beside, copied]
    monkeypatch.setattr(reports, "_unnamed_file", lambda directory: None)
    after = run_fix(demo_engine, execute=False)
    assert len(named) == len(written)
    for run in (*written, after):
        for path in (Path(run.report_json), Path(run.report_csv)):
            assert path.stat().st_mode & 0o777 == 0o640 & ~_umask(), path
        assert Path(run.report_csv).read_bytes() == Path(after.report_csv).read_bytes()
        report = json.loads(Path(run.report_json).read_text())
        assert report["stats"] == run.stats and report["run_id"] == run.run_id
        assert report["drivers"] == json.loads(Path(after.report_json).read_text())["drivers"]
    assert json.loads(Path(after.report_json).read_text())["drivers"]
    assert not [path for path in reports_root.iterdir() if path.name.endswith(".partial")]


def test_a_failed_json_report_fails_the_run_and_leaves_no_json(
    demo_engine: Engine, reports_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The JSON report read beside the CSV fails: the run fails with its error, the CSV is
    whole, and neither a JSON report nor a temporary file is left."""
    from orphans_pipeline_tests.pipeline_helpers import execute_run

    def fails(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the JSON report's reader failed")

    monkeypatch.setattr(reports, "_write_json", fails)
    earlier = set(reports_root.iterdir())
    result = execute_run(demo_engine, execute=False, raise_on_error=False)
    assert not result.success
    failures = [event for event in result.all_events if event.is_step_failure]
    assert any(
        "the JSON report's reader failed" in str(event.step_failure_data.error)
        for event in failures
    ), failures
    left = sorted(path.name for path in set(reports_root.iterdir()) - earlier)
    assert [name.rsplit(".", 1)[1] for name in left] == ["csv"], left


def test_the_integrity_query_is_read_beside_the_leak_check(
    demo_engine: Engine, reports_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ops views' two proofs run in one step: the integrity query on a thread (and a
    session) of its own while the step's own thread reads the views; each still gives its own
    evaluation."""
    import threading

    threads: dict[str, str] = {}
    orphans, leaks = integrity.count_operational_orphans, integrity.count_ops_view_leaks

    def orphans_spy(*args: Any, **kwargs: Any) -> integrity.CheckResult:
        threads["integrity"] = threading.current_thread().name
        return orphans(*args, **kwargs)

    def leaks_spy(*args: Any, **kwargs: Any) -> integrity.CheckResult:
        threads["leaks"] = threading.current_thread().name
        return leaks(*args, **kwargs)

    monkeypatch.setattr(integrity, "count_operational_orphans", orphans_spy)
    monkeypatch.setattr(integrity, "count_ops_view_leaks", leaks_spy)
    result = run_fix(demo_engine)
    assert threads["integrity"].startswith(integrity.PROOF_THREADS), threads
    assert not threads["leaks"].startswith(integrity.PROOF_THREADS), threads
    evaluations = {
        evaluation.check_name: evaluation.passed
        for evaluation in result.result.get_asset_check_evaluations()
    }
    assert evaluations["no_operational_orphans"] is True, evaluations
    assert evaluations["ops_views_exclude_quarantined_drivers"] is True, evaluations


def test_a_failed_leak_check_still_gives_the_integrity_querys_evaluation(
    demo_engine: Engine, reports_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The leak check fails (an error, not a leak): the run fails with its error, and the
    integrity query read beside it still records its evaluation, as when each had its step."""
    from orphans_pipeline_tests.pipeline_helpers import execute_run

    def fails(*args: Any, **kwargs: Any) -> integrity.CheckResult:
        raise RuntimeError("a view could not be read")

    monkeypatch.setattr(integrity, "count_ops_view_leaks", fails)
    result = execute_run(demo_engine, raise_on_error=False)
    assert not result.success
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert evaluations == {
        "no_operational_orphans": True,
        "quarantine_has_audit_trail": True,
        "no_driver_links_recorded_without_lead": True,
    }, evaluations
    failures = [event for event in result.all_events if event.is_step_failure]
    assert any("a view could not be read" in str(e.step_failure_data.error) for e in failures)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@pytest.mark.parametrize("limit", [0, -3])
def test_bad_limit_is_refused_before_anything(
    fresh_engine: Engine, limit: int, reports_root: Path
) -> None:
    with pytest.raises(fix.InvalidRequest, match="at least 1"):
        run_fix(fresh_engine, fix.FixOptions(limit=limit))
    with fresh_engine.connect() as conn:
        assert conn.execute(text("select count(*) from orphans.runs")).scalar_one() == 0


def test_output_dir_outside_the_reports_root_is_refused(
    fresh_engine: Engine, reports_root: Path, tmp_path: Path
) -> None:
    with pytest.raises(fix.InvalidRequest, match="outside the reports root"):
        run_fix(fresh_engine, fix.FixOptions(output_dir=str(tmp_path / "elsewhere")))
    with fresh_engine.connect() as conn:
        assert conn.execute(text("select count(*) from orphans.runs")).scalar_one() == 0
