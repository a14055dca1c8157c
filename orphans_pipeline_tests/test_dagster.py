"""The Dagster layer: definitions load, the schedule, one in-process run per mode, a failing
integrity check, and the CLI's `fix` on a PostgreSQL-backed instance."""

from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import Engine

from orphans_pipeline import cli
from orphans_pipeline.core import demo, schema
from orphans_pipeline.definitions import build_definitions, defs
from orphans_pipeline.defs.resources import CT4Database
from orphans_pipeline_tests.conftest import url_of
from orphans_pipeline_tests.ct4 import CT4, snapshot

ASSETS = {
    "detected_orphans",
    "classified_orphans",
    "relinked_links",
    "driver_orphan_quarantine",
    "ops_views",
}
CHECKS = {
    "no_operational_orphans",
    "ops_views_exclude_quarantined_drivers",
    "quarantine_has_audit_trail",
}


def job_for(engine: Engine) -> dg.JobDefinition:
    return build_definitions(ct4=CT4Database(database_url=url_of(engine))).resolve_job_def(
        "orphans_fix_job"
    )


@pytest.fixture
def demo_engine(fresh_engine: Engine) -> Engine:
    demo.load_demo_data(fresh_engine, 300, seed=5)
    return fresh_engine


def test_definitions_load() -> None:
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    all_assets = ASSETS | {"cabinet_claims_computed"}  # its own job and schedule (issue 13)
    assert {key.to_user_string() for key in graph.get_all_asset_keys()} == all_assets
    assert {key.name for key in graph.asset_check_keys} == CHECKS
    for key in graph.get_all_asset_keys():
        assert graph.get(key).description, key
    for check in graph.asset_check_keys:
        assert graph.get_check_spec(check).description, check
    sensors = {sensor.name: sensor for sensor in defs.sensors or []}
    assert set(sensors) == {
        "orphans_check_failure_alert_sensor",
        "orphans_new_quarantine_alert_sensor",
        "orphans_freshness_alert_sensor",
    }
    for sensor in sensors.values():
        assert sensor.description and sensor.default_status == dg.DefaultSensorStatus.RUNNING
    job = defs.resolve_job_def("orphans_fix_job")
    assert job.description
    assert job.executor_def.name == "in_process"
    assert job.tags["orphans/pipeline"] == "fix"


def test_weekly_schedule_runs_an_execute_on_sundays_at_two() -> None:
    schedule = defs.resolve_schedule_def("orphans_weekly_schedule")
    assert schedule.cron_schedule == "0 2 * * 0"
    assert schedule.execution_timezone == "America/Lima"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.job_name == "orphans_fix_job"
    context = dg.build_schedule_context()
    request = schedule.evaluate_tick(context).run_requests[0]
    assert request.run_config == {"execute": True}
    other = build_definitions("UTC").resolve_schedule_def("orphans_weekly_schedule")
    assert other.execution_timezone == "UTC"


@pytest.mark.usefixtures("reports_root")
def test_dry_run_materializes_nothing_that_writes(demo_engine: Engine) -> None:
    before = snapshot(demo_engine, schema.CT4_TABLES + schema.OWNED_TABLES)
    result = job_for(demo_engine).execute_in_process(
        run_config={"execute": False}, instance=dg.DagsterInstance.ephemeral()
    )
    assert result.success
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized == {"detected_orphans", "classified_orphans"}
    observed = {
        e.asset_key.to_user_string(): e.event_specific_data.asset_observation.metadata
        for e in result.get_asset_observation_events()
    }
    assert set(observed) == {"relinked_links", "driver_orphan_quarantine"}
    assert observed["relinked_links"]["dry_run"].value is True
    assert observed["relinked_links"]["would_links_created"].value > 0
    assert result.get_asset_check_evaluations() == []
    assert snapshot(demo_engine, schema.CT4_TABLES + schema.OWNED_TABLES) == before


@pytest.mark.usefixtures("reports_root")
def test_execute_materializes_all_five_and_checks_pass(demo_engine: Engine) -> None:
    result = job_for(demo_engine).execute_in_process(
        run_config={"execute": True}, instance=dg.DagsterInstance.ephemeral()
    )
    assert result.success
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized == ASSETS
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert evaluations == dict.fromkeys(CHECKS, True)
    quarantine = next(
        e
        for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string() == "driver_orphan_quarantine"
    )
    metadata = quarantine.event_specific_data.materialization.metadata
    assert metadata["quarantined"].value > 0
    assert Path(metadata["report_csv"].value).is_file()


@pytest.mark.usefixtures("reports_root")
def test_integrity_check_failure_fails_the_run(demo_engine: Engine) -> None:
    # A limited execute leaves the other orphans operational: the check must say so.
    result = job_for(demo_engine).execute_in_process(
        run_config={"execute": True, "limit": 1},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [e.check_name for e in failed] == ["no_operational_orphans"]
    assert failed[0].metadata["count"].value > 0


@pytest.mark.usefixtures("reports_root")
def test_cli_fix_runs_the_job_on_the_instance(
    demo_engine: Engine,
    dagster_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", url_of(demo_engine))
    assert cli.main(["fix"]) == 0
    assert "DRY RUN" in capsys.readouterr().out
    assert cli.main(["fix", "--execute"]) == 0
    out = capsys.readouterr().out
    assert "EXECUTE" in out and "result: succeeded" in out and "report (csv)" in out
    with dg.DagsterInstance.get() as instance:
        records = instance.get_run_records(dg.RunsFilter(job_name="orphans_fix_job"))
        assert len(records) == 2
        assert all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in records)
    CT4(demo_engine).driver("INJECTED-1")
    CT4(demo_engine).driver("INJECTED-2")
    # --limit 1 quarantines one of them; the other is still an operational orphan.
    assert cli.main(["fix", "--execute", "--limit", "1"]) == 1
    assert "FAILED CHECK" in capsys.readouterr().out


@pytest.mark.usefixtures("reports_root")
def test_cli_refuses_bad_input(
    fresh_engine: Engine,
    dagster_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", url_of(fresh_engine))
    for bad in (["fix", "--limit", "0"], ["fix", "--limit", "-2"], ["fix", "--limit", "x"]):
        with pytest.raises(SystemExit) as exited:
            cli.main(bad)
        assert exited.value.code == 2
    assert cli.main(["fix", "--output-dir", str(tmp_path / "nope")]) == 2
    assert "outside the reports root" in capsys.readouterr().err
    monkeypatch.setenv("DATABASE_URL", "mysql://nobody@localhost/x")
    assert cli.main(["fix"]) == 1
    assert "not a PostgreSQL URL" in capsys.readouterr().err
