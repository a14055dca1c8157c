"""The Dagster idioms of the code location: deployment settings reach the resources as EnvVars
resolved where the resources are set up; importing the code location reads no environment; the
run's liveness session is held by its executor, whatever process each step runs in; run config
is plain data that reads no variable and configures no resource."""

import contextlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import dagster as dg
import psycopg
import pytest
from dagster._serdes import serialize_value
from sqlalchemy import Engine

from orphans_pipeline import launch
from orphans_pipeline.core import demo, runs, schema, settings
from orphans_pipeline.defs import assets, checks
from orphans_pipeline.defs.jobs import (
    DRY_RUN_ASSETS,
    PIPELINE_TAG,
    dry_run_config,
    registry_closing_multiprocess_executor,
)
from orphans_pipeline.defs.resources import AlertTargets, CT4Database
from orphans_pipeline_tests.conftest import url_of
from orphans_pipeline_tests.ct4 import snapshot
from orphans_pipeline_tests.pipeline_helpers import execute_run

# The variables of README's Environment table that the code location could read.
PROJECT_VARIABLES = (
    "DATABASE_URL",
    "ORPHANS_HOME",
    "ORPHANS_SCHEDULE_TIMEZONE",
    "ORPHANS_REPORTS_ROOT",
    "ORPHANS_DAGSTER_UI_URL",
    "ORPHANS_ALERT_WEBHOOK_URL",
    "ORPHANS_ALERT_SMTP_HOST",
    "ORPHANS_ALERT_SMTP_PORT",
    "ORPHANS_ALERT_EMAIL_TO",
    "ORPHANS_ALERT_TIMEOUT_SECONDS",
    "ORPHANS_FRESHNESS_DAYS",
    "ORPHANS_FAULT_POINT",
    "XDG_DATA_HOME",
)

# Run in a fresh interpreter: the third-party packages are imported first (what they read is
# theirs), then os.environ is swapped for a recorder and the code location is imported.
IMPORT_PROBE = textwrap.dedent(
    """
    import json, os, sys
    from collections.abc import MutableMapping

    import dagster, fastapi, psycopg, pydantic, sqlalchemy  # noqa: F401

    read = []

    class Recorder(MutableMapping):
        def __init__(self, inner):
            self.inner = inner
        def __getitem__(self, key):
            read.append(key)
            return self.inner[key]
        def __contains__(self, key):
            read.append(key)
            return key in self.inner
        def __setitem__(self, key, value):
            self.inner[key] = value
        def __delitem__(self, key):
            del self.inner[key]
        def __iter__(self):
            read.append("*")
            return iter(self.inner)
        def __len__(self):
            return len(self.inner)
        def copy(self):
            read.append("*")
            return dict(self.inner)

    os.environ = Recorder(os.environ)
    import orphans_pipeline.definitions as location
    imported = sorted(set(read))
    os.environ = os.environ.inner
    try:
        location.orphans_definitions()
        loaded = "loaded"
    except Exception as exc:
        loaded = f"{type(exc).__name__}: {exc}"
    print(json.dumps({"read_at_import": imported, "load": loaded}))
    """
)


def test_importing_the_code_location_reads_no_environment(tmp_path: Path) -> None:
    """Every project variable set to garbage: the import neither reads nor minds them; loading
    the code location (what Dagster does next) reads the timezone and refuses it."""
    env = {**os.environ, **{name: "garbage%/" for name in PROJECT_VARIABLES}}
    env["ORPHANS_SCHEDULE_TIMEZONE"] = "Not/A_Zone"
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    project = {"*", *PROJECT_VARIABLES}
    assert [key for key in result["read_at_import"] if key in project] == []
    assert "Not/A_Zone" in result["load"]


def test_the_schedules_follow_the_timezone_read_when_the_location_loads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from orphans_pipeline import definitions

    monkeypatch.setenv("ORPHANS_SCHEDULE_TIMEZONE", "Europe/Madrid")
    loaded = definitions.orphans_definitions()
    assert loaded.resolve_schedule_def("orphans_weekly_schedule").execution_timezone == (
        "Europe/Madrid"
    )
    monkeypatch.delenv("ORPHANS_SCHEDULE_TIMEZONE")
    assert definitions.defs.resolve_schedule_def(
        "cabinet_claims_daily_schedule"
    ).execution_timezone == ("America/Lima")


def test_database_url_is_an_env_var_resolved_where_the_resource_is_set_up(
    fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@nowhere.invalid/ct4")
    ct4 = CT4Database.from_environment()
    assert isinstance(ct4.database_url, dg.EnvVar)  # the name, not the value (no password)
    # Resolved when set up, from the environment of that moment and process.
    monkeypatch.setenv("DATABASE_URL", url_of(fresh_engine))
    with dg.build_resources({"ct4": ct4}) as built:
        assert built.ct4.engine().url.database == fresh_engine.url.database
    # Constructed but never set up, it refuses to read the variable's name as a URL.
    with pytest.raises(dg.DagsterInvariantViolationError, match="unresolved EnvVar"):
        ct4.url()


def test_unset_database_url_means_the_embedded_server_of_orphans_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("ORPHANS_HOME", str(tmp_path / "home"))
    ct4 = CT4Database.from_environment()
    assert ct4.database_url is None and isinstance(ct4.orphans_home, dg.EnvVar)
    # Set up, it would start the server there; the URL alone starts nothing and says so.
    with pytest.raises(settings.ConfigError, match=r"embedded PostgreSQL under .*home"):
        CT4Database(orphans_home=str(tmp_path / "home")).url()
    assert not (tmp_path / "home").exists()


def test_alert_targets_come_from_env_vars_and_bad_values_name_their_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ORPHANS_ALERT_WEBHOOK_URL", "http://hooks.example/x")
    monkeypatch.setenv("ORPHANS_ALERT_SMTP_HOST", "smtp.example")
    monkeypatch.setenv("ORPHANS_ALERT_EMAIL_TO", "a@example.org, b@example.org")
    monkeypatch.setenv("ORPHANS_FRESHNESS_DAYS", "3")
    monkeypatch.delenv("ORPHANS_ALERT_TIMEOUT_SECONDS", raising=False)
    targets = AlertTargets.from_environment()
    assert isinstance(targets.webhook_url, dg.EnvVar) and targets.timeout_seconds is None
    with dg.build_resources({"alert_targets": targets}) as built:
        resolved = built.alert_targets.settings()
        assert resolved.targets == ["webhook", "email"]
        assert resolved.smtp_to == ("a@example.org", "b@example.org")
        assert resolved.timeout_seconds == 5.0
        assert built.alert_targets.freshness_limit().days == 3
    for name, value, error in (
        ("ORPHANS_ALERT_TIMEOUT_SECONDS", "90", "ORPHANS_ALERT_TIMEOUT_SECONDS='90'"),
        ("ORPHANS_ALERT_SMTP_PORT", "smtp", "ORPHANS_ALERT_SMTP_PORT='smtp'"),
        ("ORPHANS_FRESHNESS_DAYS", "-1", "ORPHANS_FRESHNESS_DAYS='-1'"),
    ):
        monkeypatch.setenv(name, value)
        targets = AlertTargets.from_environment()
        with (
            dg.build_resources({"alert_targets": targets}) as built,
            pytest.raises(ValueError, match=error),
        ):
            built.alert_targets.settings()
            built.alert_targets.freshness_limit()
        monkeypatch.delenv(name)


# --- liveness under the multiprocess executor -------------------------------------------------


@dg.asset(deps=[assets.classified_orphans])
def liveness_probe(context: dg.AssetExecutionContext, ct4: CT4Database) -> dg.MaterializeResult:
    """A step in a process of its own, between the run's steps: is the run's session there?"""
    live = runs.live_run_ids(ct4.engine(), [context.run_id])
    return dg.MaterializeResult(metadata={"live": bool(live), "pid": os.getpid()})


def multiprocess_dry_run_job() -> dg.JobDefinition:
    """orphans_dry_run_job with one process per step (reconstructable: a module function)."""
    job = dg.define_asset_job(
        name="orphans_dry_run_job",
        selection=dg.AssetSelection.assets(*DRY_RUN_ASSETS, liveness_probe).without_checks(),
        config=dry_run_config,
        executor_def=registry_closing_multiprocess_executor,
        tags=PIPELINE_TAG,
    )
    return dg.Definitions(
        assets=[
            assets.detected_orphans,
            assets.classified_orphans,
            assets.apply_orphan_fixes,
            liveness_probe,
        ],
        asset_checks=[checks.ops_views_proofs],
        jobs=[job],
        resources={"ct4": CT4Database.from_environment()},
    ).resolve_job_def("orphans_dry_run_job")


@pytest.mark.usefixtures("reports_root")
def test_the_liveness_holds_across_steps_run_in_processes_of_their_own(
    fresh_engine: Engine, dagster_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No module-level connection: the executor (here, in this process) holds the session from
    before the first step, a step in another process sees it, and the run's end closes the
    registry row, then releases the session."""
    demo.load_demo_data(fresh_engine, 200, seed=5)
    monkeypatch.setenv("DATABASE_URL", url_of(fresh_engine))
    with dg.DagsterInstance.get() as instance:
        result = dg.execute_job(
            dg.reconstructable(multiprocess_dry_run_job),
            instance=instance,
            run_config={},
        )
        assert result.success
        [probe] = [
            m for m in result.get_asset_materialization_events() if m.step_key == "liveness_probe"
        ]
        metadata = probe.materialization.metadata
        assert metadata["live"].value is True
        assert metadata["pid"].value != os.getpid()  # the step ran in a process of its own
    row = runs.get_run(fresh_engine, result.run_id)
    assert row is not None and row["status"] == "succeeded" and row["mode"] == "dry_run"
    assert runs.live_run_ids(fresh_engine, [result.run_id]) == set()  # released at the end


TABLES = schema.CT4_TABLES + schema.OWNED_TABLES


@pytest.mark.usefixtures("reports_root")
def test_a_run_whose_liveness_session_cannot_open_stops_before_any_step(
    fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without its session, a working run would look dead to the dead-run check, which would
    fail it while it writes: the executor stops the run before its first step, with the
    database's error, and nothing is registered or written."""
    demo.load_demo_data(fresh_engine, 200, seed=6)
    before = snapshot(fresh_engine, TABLES)

    def refuse(self: runs.RunLiveness) -> runs.RunLiveness:
        raise psycopg.OperationalError("connection refused (the liveness session)")

    monkeypatch.setattr(runs.RunLiveness, "hold", refuse)
    with dg.DagsterInstance.ephemeral() as instance:
        result = execute_run(fresh_engine, execute=True, raise_on_error=False, instance=instance)
        assert not result.success
        assert [event for event in result.all_events if event.is_step_start] == []
        # What the CLI and the API report of the run: the database's error.
        assert launch.run_errors(instance, result.run_id) == [
            "OperationalError: connection refused (the liveness session)"
        ]
    assert runs.get_run(fresh_engine, result.run_id) is None
    assert snapshot(fresh_engine, TABLES) == before


# --- launch config is data, not a door ---------------------------------------------------------


def env_taking_paths(config_type: Any, path: str = "") -> list[str]:
    """Where a run config schema takes `{env: NAME}` (Dagster's StringSource, IntSource and
    BoolSource are a scalar or a one-key `env` selector)."""
    from dagster._config import ConfigTypeKind

    found: list[str] = []
    kind = config_type.kind
    if kind == ConfigTypeKind.SCALAR_UNION:
        selector = config_type.non_scalar_type
        if selector.kind == ConfigTypeKind.SELECTOR and "env" in selector.fields:
            found.append(path)
        found += env_taking_paths(selector, path)
    elif kind in (
        ConfigTypeKind.STRICT_SHAPE,
        ConfigTypeKind.PERMISSIVE_SHAPE,
        ConfigTypeKind.SELECTOR,
    ):
        for name, field in config_type.fields.items():
            found += env_taking_paths(field.config_type, f"{path}.{name}")
    elif kind in (ConfigTypeKind.NONEABLE, ConfigTypeKind.ARRAY, ConfigTypeKind.MAP):
        found += env_taking_paths(config_type.inner_type, f"{path}[]")
    return found


def every_job() -> list[dg.JobDefinition]:
    """Every job a launch can name, the asset graph's own (`__ASSET_JOB`, what "Materialize"
    launches) included."""
    from orphans_pipeline import definitions

    return list(definitions.defs.get_repository_def().get_all_jobs())


def test_no_run_config_field_reads_a_variable_or_configures_a_resource() -> None:
    jobs = every_job()
    assert {"orphans_fix_job", "orphans_review_job", "__ASSET_JOB"} <= {job.name for job in jobs}
    for job in jobs:
        schema = job.run_config_schema.config_type
        assert env_taking_paths(schema) == [], job.name
        resources = schema.fields.get("resources")
        for key, field in (resources.config_type.fields if resources else {}).items():
            config = field.config_type.fields.get("config")
            assert config is None or config.config_type.fields == {}, f"{job.name}: {key}"


DECISION = {"action": "purge", "driver_id": "Q1", "reviewer": "ana"}


def test_the_review_job_refuses_env_in_any_field() -> None:
    from orphans_pipeline import definitions

    job = definitions.defs.resolve_job_def("orphans_review_job")
    for field in ("driver_id", "reviewer", "notes", "source_table", "source_pk", "execute"):
        config = {**DECISION, field: {"env": "DATABASE_URL"}}
        with pytest.raises(dg.DagsterInvalidConfigError) as refused:
            dg.validate_run_config(job, config)
        message = str(refused.value)
        assert f"root:{field}" in message and "is not valid for expected type" in message


def test_no_launch_repoints_a_resource() -> None:
    elsewhere = {"ct4": {"config": {"database_url": "postgresql://attacker@elsewhere/ct4"}}}
    base = {"orphans_review_job": DECISION}
    for job in every_job():
        config = {**base.get(job.name, {}), "resources": elsewhere}
        with pytest.raises(dg.DagsterInvalidConfigError) as refused:
            dg.validate_run_config(job, config)
        assert "resources" in str(refused.value) or "database_url" in str(refused.value)


def logged_text(instance: dg.DagsterInstance) -> list[str]:
    """Every event of every run of the instance, serialized whole (messages and metadata)."""
    return [
        serialize_value(record)
        for run in instance.get_runs()
        for record in instance.all_logs(run.run_id)
    ]


@pytest.mark.usefixtures("reports_root")
def test_the_run_log_never_shows_a_database_url(
    fresh_engine: Engine, dagster_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The launchpad probe of the issue (the reviewer set to `{env: …}`, in the review job's
    config shape of before and of now) is refused, and the runs that do happen (an execute, a
    review) log neither the storage URL nor the CT4 one."""
    from sqlalchemy import text

    from orphans_pipeline import definitions

    demo.load_demo_data(fresh_engine, 100, seed=8)
    monkeypatch.setenv("DATABASE_URL", url_of(fresh_engine))
    secrets = [os.environ["ORPHANS_DAGSTER_STORAGE_URL"], os.environ["DATABASE_URL"]]
    job = definitions.defs.resolve_job_def("orphans_review_job")
    with dg.DagsterInstance.get() as instance:
        assert launch.execute_in_this_process(execute=True, instance=instance).success
        with fresh_engine.connect() as conn:
            driver = conn.execute(
                text(
                    "select driver_id from canon.driver_orphan_quarantine "
                    "where status = 'quarantined' order by driver_id limit 1"
                )
            ).scalar_one()
        decision = {**DECISION, "driver_id": driver, "execute": True}
        probe = {**decision, "reviewer": {"env": "ORPHANS_DAGSTER_STORAGE_URL"}}
        for config in (probe, {"ops": {"apply_review_decision": {"config": probe}}}):
            with contextlib.suppress(dg.DagsterInvalidConfigError):
                job.execute_in_process(run_config=config, instance=instance, raise_on_error=False)
        for secret in secrets:
            assert not [entry for entry in logged_text(instance) if secret in entry]
        assert job.execute_in_process(run_config=decision, instance=instance).success
        logged = logged_text(instance)
    assert len(logged) > 20
    for secret in secrets:
        assert not [entry for entry in logged if secret in entry]
