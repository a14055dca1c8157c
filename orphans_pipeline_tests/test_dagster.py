"""The Dagster layer: definitions load, the schedule, the execute and dry-run jobs through their
assets, a failing integrity check, the schema check in every path, and launches through the
instance (the CLI's `fix`, the API's run-fix): same code location as a launchpad run, terminate,
and a run whose whole process group is killed never blocks the next one."""

import gc
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import httpx
import pytest
from dagster._core.storage.tags import GRPC_INFO_TAG
from sqlalchemy import Engine, make_url, text

from orphans_pipeline import cli, code_server, definitions, launch
from orphans_pipeline.core import demo, faults, runs, schema
from orphans_pipeline.definitions import build_definitions, defs
from orphans_pipeline.defs import reconcile
from orphans_pipeline_tests.conftest import DatabaseFactory, url_of
from orphans_pipeline_tests.ct4 import CT4, snapshot
from orphans_pipeline_tests.pipeline_helpers import execute_run

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
    "no_driver_links_recorded_without_lead",
}


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
        "orphans_run_failure_alert_sensor",
        "orphans_dead_run_sensor",
    }
    for sensor in sensors.values():
        assert sensor.description and sensor.default_status == dg.DefaultSensorStatus.RUNNING
    job = defs.resolve_job_def("orphans_fix_job")
    assert job.description
    assert job.executor_def.name == "in_process"
    assert job.tags["orphans/pipeline"] == "fix"
    dry = defs.resolve_job_def("orphans_dry_run_job")
    assert dry.tags["orphans/pipeline"] == "fix"
    # The dry run's steps: no views, no checks (so none is ever shown as skipped).
    assert {node.name for node in dry.graph.nodes} == {
        "detected_orphans",
        "classified_orphans",
        "apply_orphan_fixes",
    }


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


def test_full_sweep_schedule_runs_a_full_execute_on_the_first_of_every_month() -> None:
    schedule = defs.resolve_schedule_def("orphans_full_sweep_monthly_schedule")
    assert schedule.cron_schedule == "0 4 1 * *"
    assert schedule.execution_timezone == "America/Lima"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.job_name == "orphans_fix_job"
    request = schedule.evaluate_tick(dg.build_schedule_context()).run_requests[0]
    assert request.run_config == {"execute": True, "full": True}
    other = build_definitions("UTC").resolve_schedule_def("orphans_full_sweep_monthly_schedule")
    assert other.execution_timezone == "UTC"


def registry_row(engine: Engine, run_id: str) -> dict[str, object]:
    row = runs.get_run(engine, run_id)
    assert row is not None
    return row


@pytest.mark.usefixtures("reports_root")
def test_dry_run_job_materializes_nothing_that_writes(demo_engine: Engine) -> None:
    before = snapshot(demo_engine, schema.CT4_TABLES + schema.OWNED_TABLES)
    result = execute_run(demo_engine, execute=False)
    assert result.success and result.job_def.name == "orphans_dry_run_job"
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
    assert not [e for e in result.all_events if e.is_step_skipped]
    assert snapshot(demo_engine, schema.CT4_TABLES + schema.OWNED_TABLES) == before
    assert registry_row(demo_engine, result.run_id)["status"] == "succeeded"


@pytest.mark.usefixtures("reports_root")
def test_execute_materializes_all_five_and_closes_the_registry_after_the_checks(
    demo_engine: Engine,
) -> None:
    instance = dg.DagsterInstance.ephemeral()
    result = execute_run(demo_engine, instance=instance)
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
    row = registry_row(demo_engine, result.run_id)
    assert row["status"] == "succeeded" and row["error"] is None
    records = instance.get_records_for_run(
        result.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    last_check = max(record.event_log_entry.timestamp for record in records)
    assert row["finished_at"].timestamp() >= last_check  # type: ignore[attr-defined]


@pytest.mark.usefixtures("reports_root")
def test_the_launchpad_default_of_the_fix_job_is_an_execute(demo_engine: Engine) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url_of(demo_engine))
        # The code location as it loads now, with DATABASE_URL set (not the import-time `defs`).
        result = definitions.defs.resolve_job_def("orphans_fix_job").execute_in_process(
            run_config={}, instance=dg.DagsterInstance.ephemeral()
        )
    assert result.success
    assert registry_row(demo_engine, result.run_id)["mode"] == "execute"


@pytest.mark.usefixtures("reports_root")
def test_integrity_check_failure_fails_the_run_and_the_registry(demo_engine: Engine) -> None:
    # A limited execute leaves the other orphans operational: the check must say so.
    result = execute_run(demo_engine, limit=1)
    assert not result.success
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [e.check_name for e in failed] == ["no_operational_orphans"]
    assert failed[0].metadata["count"].value > 0
    row = registry_row(demo_engine, result.run_id)
    # Dagster says the run failed: the registry never says succeeded.
    assert row["status"] == "failed" and "no_operational_orphans" in str(row["error"])
    assert row["stats"] is not None  # the execute itself was recorded


def make_stale(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("update orphans_pipeline_alembic_version set version_num = '0004'"))


@pytest.mark.usefixtures("reports_root")
def test_a_stale_schema_fails_fast_in_every_path(
    fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from orphans_pipeline.api.app import PREFIX, create_app
    from orphans_pipeline.api.settings import ApiSettings
    from orphans_pipeline.core import review
    from orphans_pipeline.defs.review import orphans_review_job

    data = CT4(fresh_engine)
    data.quarantine("Q1", data.driver("Q1"))
    make_stale(fresh_engine)
    before = snapshot(fresh_engine, schema.CT4_TABLES + schema.OWNED_TABLES)
    for execute in (True, False):  # the schedule's and launchpad's jobs
        with pytest.raises(schema.SchemaNotReady, match="orphans-pipeline db upgrade"):
            execute_run(fresh_engine, execute=execute)
    with pytest.raises(schema.SchemaNotReady, match="orphans-pipeline db upgrade"):
        review.review(fresh_engine, "purge", driver_id="Q1", reviewer="ana", notes="", execute=True)
    monkeypatch.setenv("DATABASE_URL", url_of(fresh_engine))
    review_run = (
        build_definitions()
        .resolve_job_def(orphans_review_job.name)
        .execute_in_process(
            run_config={"action": "purge", "driver_id": "Q1", "reviewer": "ana"},
            instance=dg.DagsterInstance.ephemeral(),
            raise_on_error=False,
        )
    )
    assert not review_run.success
    [failure] = [e for e in review_run.all_events if e.is_step_failure]
    assert "db upgrade" in failure.step_failure_data.error.to_string()  # type: ignore[union-attr]
    settings = ApiSettings(api_token="t", enable_fix=True)
    with TestClient(create_app(settings, engine=lambda: fresh_engine)) as api:
        headers = {"Authorization": "Bearer t"}
        answer = api.post(f"{PREFIX}/Q1/purge", json={"reviewer": "ana"}, headers=headers)
        assert answer.status_code == 503 and "db upgrade" in answer.json()["detail"]
        answer = api.post(f"{PREFIX}/run-fix", json={"execute": True}, headers=headers)
        assert answer.status_code == 503 and "db upgrade" in answer.json()["detail"]
    assert cli.main(["fix", "--execute"]) == 1
    assert snapshot(fresh_engine, schema.CT4_TABLES + schema.OWNED_TABLES) == before


def location_of(run: dg.DagsterRun) -> str:
    origin = run.remote_job_origin
    assert origin is not None, "a run launched from the workspace carries its origin"
    return origin.repository_origin.code_location_origin.location_name


@pytest.mark.usefixtures("reports_root")
def test_cli_fix_launches_runs_of_the_code_location_through_the_instance(
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
    # The collector as the command found it (it froze Dagster's objects while it ran), and the
    # code server it started early ended with it.
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert launch._code_servers_since(set()) == []
    with dg.DagsterInstance.get() as instance:
        records = instance.get_run_records(dg.RunsFilter(tags={"orphans/launched_by": "cli"}))
        assert sorted(r.dagster_run.job_name for r in records) == [
            "orphans_dry_run_job",
            "orphans_fix_job",
        ]
        for record in records:
            run = record.dagster_run
            assert run.status == dg.DagsterRunStatus.SUCCESS
            # The same origin as a launchpad run: the workspace's code location, served by the
            # code server `fix` started before importing Dagster (code_server.py).
            assert location_of(run) == "orphans_pipeline"
            assert "orphans-code-server-" in json.loads(run.tags[GRPC_INFO_TAG])["socket"]
            assert registry_row(demo_engine, run.run_id)["status"] == "succeeded"
            # The run executed in a worker process of its own, not in the CLI's.
            assert reconcile._worker_pid(instance, run.run_id) not in (None, os.getpid())
    CT4(demo_engine).driver("INJECTED-1")
    CT4(demo_engine).driver("INJECTED-2")
    # --limit 1 quarantines one of them; the other is still an operational orphan.
    assert cli.main(["fix", "--execute", "--limit", "1"]) == 1
    assert "FAILED CHECK" in capsys.readouterr().out
    # --full re-judges every row still quarantined (the incremental run before it: none).
    assert cli.main(["fix", "--execute"]) == 0
    assert cli.main(["fix", "--execute", "--full"]) == 0
    with demo_engine.connect() as conn:
        scopes = conn.execute(
            text("select scope, (stats ->> 'processed')::int from orphans.runs order by started_at")
        ).all()
        quarantined = conn.execute(
            text("select count(*) from canon.driver_orphan_quarantine where status = 'quarantined'")
        ).scalar_one()
    # The incremental one: INJECTED-2, and INJECTED-1 again (the limited run moved nothing).
    assert scopes[-1] == ("full", quarantined) and scopes[-2] == ("incremental", 2)


@pytest.mark.usefixtures("reports_root")
def test_a_code_server_started_early_that_does_not_come_up_is_replaced_by_the_registry_s(
    demo_engine: Engine, dagster_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The early start only saves time: a server that exits before it answers is not used; the
    registry starts one the usual way, the run succeeds, and nothing of either is left."""
    monkeypatch.setenv("DATABASE_URL", url_of(demo_engine))
    prestarted = code_server.start({})
    assert prestarted is not None
    assert prestarted.process.args[:5] == [sys.executable, "-m", "dagster", "api", "grpc"]
    prestarted.process.kill()
    prestarted.process.wait()
    outcome = launch.launch_fix_job(
        execute=True, limit=None, output_dir=None, prestarted=prestarted
    )
    assert outcome.succeeded, outcome.errors
    with dg.DagsterInstance.get() as instance:
        run = instance.get_run_by_id(outcome.run_id)
        assert run is not None and location_of(run) == "orphans_pipeline"
        assert "orphans-code-server-" not in json.loads(run.tags[GRPC_INFO_TAG])["socket"]
    prestarted.stop()
    assert not Path(prestarted.socket).parent.exists()
    assert launch._code_servers_since(set()) == []


def test_an_interrupt_while_the_early_code_server_starts_starts_no_other(
    dagster_home: Path, tmp_path: Path
) -> None:
    """Interrupted while the workspace waits for the early server: that server is stopped and
    none is started in its place (the registry's own start would be waited for, up to its
    startup timeout, while the command ends)."""
    started_before = launch._children()
    silent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    (tmp_path / "socket").mkdir()
    prestarted = code_server.PrestartedCodeServer(
        silent, str(tmp_path / "socket" / "grpc.sock"), started_before
    )
    with (
        dg.DagsterInstance.get() as instance,
        pytest.raises(KeyboardInterrupt),
        launch._code_servers_loading(instance.get_ref(), prestarted) as servers,
    ):
        assert servers is not None
        time.sleep(0.3)  # its loader thread is pinging the silent server
        raise KeyboardInterrupt
    assert silent.poll() is not None
    assert servers.registry._all_processes == []  # the registry started none of its own
    assert launch._code_servers_since(started_before) == []
    assert not (tmp_path / "socket").exists()


def test_a_code_server_is_started_early_only_for_a_request_fix_would_take(
    fresh_engine: Engine, dagster_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No early start for a request `fix` refuses (an output directory it cannot create, a
    database below the project's revision): the refusal is the one it always gave, with no
    process started."""
    monkeypatch.setenv("DATABASE_URL", url_of(fresh_engine))
    parser = cli.build_parser()
    (tmp_path / "a-file").write_text("")
    unwritable = ["fix", "--output-dir", str(tmp_path / "a-file" / "reports")]
    assert cli._prestart_code_server(parser.parse_args(unwritable)) is None
    assert cli.main(unwritable) == 2
    with fresh_engine.begin() as conn:
        conn.execute(text("update orphans_pipeline_alembic_version set version_num = '0001'"))
    assert cli._prestart_code_server(parser.parse_args(["fix", "--execute"])) is None
    assert cli.main(["fix", "--execute"]) == 1
    assert launch._code_servers_since(set()) == []


def test_the_code_server_starts_before_the_instance_only_where_the_instance_will_come(
    dagster_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`fix` starts its code server before it makes its Dagster instance, from that instance's
    ref; where the storage does not answer, it does not (the instance then reports the problem,
    as before, with no code server's report of it added to the output)."""
    with dg.DagsterInstance.get() as instance:
        assert launch._early_instance_ref(None) == instance.get_ref()
        assert launch._early_instance_ref(instance) == instance.get_ref()
    assert launch._early_instance_ref(dg.DagsterInstance.ephemeral()) is None
    storage = os.environ["ORPHANS_DAGSTER_STORAGE_URL"]
    gone = make_url(storage).set(database=f"{make_url(storage).database}_gone")
    monkeypatch.setenv("ORPHANS_DAGSTER_STORAGE_URL", gone.render_as_string(hide_password=False))
    assert launch._early_instance_ref(None) is None
    monkeypatch.setenv("ORPHANS_DAGSTER_STORAGE_URL", storage)
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home / "missing"))
    assert launch._early_instance_ref(None) is None
    with launch._code_servers_loading(None) as code_servers:
        assert code_servers is None


@pytest.mark.usefixtures("reports_root")
def test_cli_refuses_bad_input(
    fresh_engine: Engine,
    dagster_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", url_of(fresh_engine))
    for bad in (["fix", "--limit", "0"], ["fix", "--limit", "-2"], ["fix", "--limit", "x"]):
        with pytest.raises(SystemExit) as exited:
            cli.main(bad)
        assert exited.value.code == 2
    monkeypatch.setenv("DATABASE_URL", "mysql://nobody@localhost/x")
    assert cli.main(["fix"]) == 1
    assert "not a PostgreSQL URL" in capsys.readouterr().err


def lock_holder_present(engine: Engine, admin_url: str) -> bool:
    import psycopg

    from orphans_pipeline.core.locking import ORPHANS_LOCK_KEY

    with psycopg.connect(admin_url, autocommit=True) as admin:
        return bool(
            admin.execute(
                "select 1 from pg_locks join pg_stat_activity using (pid) "
                "where locktype = 'advisory' and datname = %s "
                "and ((classid::bigint << 32) | objid::bigint) = %s",
                (engine.url.database, ORPHANS_LOCK_KEY),
            ).fetchall()
        )


def wait_until(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"not in {seconds} s: {what}")


@pytest.mark.usefixtures("reports_root")
def test_terminate_from_the_instance_stops_an_execute_with_nothing_written(
    demo_engine: Engine, dagster_home: Path, admin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", url_of(demo_engine))
    # The run worker waits just before its commit, every write done, holding the lock.
    monkeypatch.setenv(faults.FAULT_ENV, "before_commit")
    monkeypatch.setenv(faults.ACTION_ENV, "pause")
    before = snapshot(demo_engine, schema.CT4_TABLES + schema.OWNED_TABLES)
    with dg.DagsterInstance.get() as instance, launch.workspace(instance) as context:
        run_id = launch.create_and_launch(
            instance, context, execute=True, limit=None, output_dir=None, tags={}
        )
        wait_until(lambda: lock_holder_present(demo_engine, admin_url), 120, "run mid-way")
        assert instance.run_launcher.terminate(run_id)
        run = launch.wait_for_run(instance, demo_engine, run_id)
        assert run.status == dg.DagsterRunStatus.CANCELED
    assert snapshot(demo_engine, schema.CT4_TABLES + schema.OWNED_TABLES) == before
    row = registry_row(demo_engine, run_id)
    assert row["status"] == "failed" and "interrupt" in str(row["error"]).lower()


def test_a_killed_server_and_its_run_never_block_the_next_run_fix(
    module_databases: DatabaseFactory,
    dagster_home: Path,
    admin_url: str,
    tmp_path: Path,
    unused_port: int,
) -> None:
    """SIGKILL the process group of `serve` while its execute is mid-way; restart serve: the
    next run-fix is accepted within 3 minutes, succeeds, and leaves the state of one
    uninterrupted execute."""
    from orphans_pipeline_tests.test_faults import outcome

    control = module_databases.create("control")
    demo.load_demo_data(control, 300, seed=29)
    reports = tmp_path / "reports"
    reports.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ORPHANS_REPORTS_ROOT", str(reports))
        execute_run(control)
    expected = outcome(control)
    engine = module_databases.create("served")
    demo.load_demo_data(engine, 300, seed=29)
    env = {
        **os.environ,
        "DATABASE_URL": url_of(engine),
        "ORPHANS_REPORTS_ROOT": str(reports),
        "ORPHANS_API_TOKEN": "t",
        "ENABLE_ORPHANS_FIX": "true",
    }
    base = f"http://127.0.0.1:{unused_port}/api/v1/identity/orphans"
    headers = {"Authorization": "Bearer t"}

    def serve(extra: dict[str, str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                str(Path(sys.executable).parent / "orphans-pipeline"),
                "serve",
                "--port",
                str(unused_port),
            ],
            env={**env, **extra},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: the code server and run workers too
        )

    def up() -> bool:
        try:
            return httpx.get(f"{base}/metrics", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    first = serve({faults.FAULT_ENV: "before_commit", faults.ACTION_ENV: "pause"})
    try:
        wait_until(up, 120, "serve answers")
        started = httpx.post(
            f"{base}/run-fix", json={"execute": True}, headers=headers, timeout=120
        )
        assert started.status_code == 202, started.text
        killed_run = started.json()["run_id"]
        wait_until(lambda: lock_holder_present(engine, admin_url), 120, "run mid-way")
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    second = serve({})
    try:
        wait_until(up, 120, "serve answers again")
        deadline = time.monotonic() + 180
        while True:
            answer = httpx.post(
                f"{base}/run-fix", json={"execute": True}, headers=headers, timeout=120
            )
            if answer.status_code == 202 or time.monotonic() > deadline:
                break
            time.sleep(2)
        assert answer.status_code == 202, answer.text
        run_id = answer.json()["run_id"]
        deadline = time.monotonic() + 300
        while True:
            body = httpx.get(f"{base}/runs/{run_id}", timeout=30).json()
            if body["finished"] or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert (body["status"], body["registry_status"]) == ("SUCCESS", "succeeded")
        old = httpx.get(f"{base}/runs/{killed_run}", timeout=30).json()
        assert (old["status"], old["registry_status"]) == ("FAILURE", "failed")
        with dg.DagsterInstance.get() as instance:
            for launched in (killed_run, run_id):
                run = instance.get_run_by_id(launched)
                assert run is not None and run.job_name == "orphans_fix_job"
                # The API's runs: the workspace's code location, as a launchpad run.
                assert location_of(run) == "orphans_pipeline"
                assert run.tags["orphans/launched_by"] == "api"
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        try:
            second.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(second.pid, signal.SIGKILL)
            second.wait()
    assert outcome(engine) == expected


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_the_daemon_reports_failed_a_run_whose_worker_is_gone(
    fresh_engine: Engine, dagster_home: Path
) -> None:
    """orphans_dead_run_sensor: a run registered and left running without its worker's session
    is reported failed in Dagster and in the registry; a live one is left alone."""
    import uuid

    from orphans_pipeline.defs.reconcile import orphans_dead_run_sensor
    from orphans_pipeline.defs.resources import CT4Database

    held: dict[str, runs.RunLiveness] = {}

    def started_run(instance: dg.DagsterInstance) -> str:
        run_id = str(uuid.uuid4())
        instance.add_run(
            dg.DagsterRun(
                job_name="orphans_fix_job",
                run_id=run_id,
                status=dg.DagsterRunStatus.STARTED,
                tags={"orphans/pipeline": "fix"},
            )
        )
        held[run_id] = runs.RunLiveness(fresh_engine, run_id).hold()  # as its executor does
        runs.register_run(fresh_engine, run_id, execute=True, limit=None, output_dir=None)
        return run_id

    with dg.DagsterInstance.get() as instance:
        dead, alive = started_run(instance), started_run(instance)
        held[dead].release()  # its process is gone: so is its session
        context = dg.build_sensor_context(
            instance=instance, resources={"ct4": CT4Database(database_url=url_of(fresh_engine))}
        )
        skipped = orphans_dead_run_sensor(context)
        assert dead in str(skipped.skip_message) and alive not in str(skipped.skip_message)
        assert instance.get_run_by_id(dead).status == dg.DagsterRunStatus.FAILURE  # type: ignore[union-attr]
        assert instance.get_run_by_id(alive).status == dg.DagsterRunStatus.STARTED  # type: ignore[union-attr]
    assert registry_row(fresh_engine, dead)["status"] == "failed"
    assert "interrupted" in str(registry_row(fresh_engine, dead)["error"])
    assert registry_row(fresh_engine, alive)["status"] == "running"
    runs.finish_run(fresh_engine, alive, succeeded=True)
    held[alive].release()


def test_reconcile_leaves_a_run_whose_worker_closed_its_record_and_review_runs_alone(
    fresh_engine: Engine, dagster_home: Path
) -> None:
    """Between the registry's closing (after the last check) and Dagster's end event, a run has
    no session left; a review run never has one. Neither is a dead run, however old."""
    import uuid

    from orphans_pipeline import launch

    def started_run(instance: dg.DagsterInstance, job: str, kind: str) -> str:
        run_id = str(uuid.uuid4())
        instance.add_run(
            dg.DagsterRun(
                job_name=job,
                run_id=run_id,
                status=dg.DagsterRunStatus.STARTED,
                tags={"orphans/pipeline": kind},
            )
        )
        return run_id

    with dg.DagsterInstance.get() as instance:
        closing = started_run(instance, "orphans_fix_job", "fix")
        with runs.RunLiveness(fresh_engine, closing):  # as its executor holds it
            runs.register_run(fresh_engine, closing, execute=True, limit=None, output_dir=None)
            runs.finish_run(fresh_engine, closing, succeeded=True)
        review = started_run(instance, "orphans_review_job", "review")
        lost = started_run(instance, "orphans_fix_job", "fix")  # never registered: lost early
        # No grace at all: only the evidence of a dead worker counts.
        failed = launch.reconcile(instance, fresh_engine, grace_seconds=0)
        assert failed == [lost]
        for run_id in (closing, review):
            assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.STARTED  # type: ignore[union-attr]
    assert registry_row(fresh_engine, closing)["status"] == "succeeded"
