"""Settings are plain data: reading them starts no server and creates no directory; the default
home is absolute; the default DAGSTER_HOME gets the packaged dagster.yaml."""

from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text

from orphans_pipeline import instance
from orphans_pipeline.core import db, settings, shipped
from orphans_pipeline_tests.conftest import url_of

CHECKOUT_ROOT = shipped.checkout_root
ENV = (
    "DATABASE_URL",
    "ORPHANS_HOME",
    "ORPHANS_REPORTS_ROOT",
    "DAGSTER_HOME",
    "ORPHANS_DAGSTER_STORAGE_URL",
    "ORPHANS_DAGSTER_ARTIFACTS",
    "XDG_DATA_HOME",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in ENV:
        # set, then delete: monkeypatch restores the original even where the code under test
        # fills a variable in (prepare_dagster_environment does)
        monkeypatch.setenv(name, "unset")
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.chdir(tmp_path)
    # As an installed wheel, which has no checkout to keep its files in.
    monkeypatch.setattr(shipped, "checkout_root", lambda: None)
    return monkeypatch


def test_defaults_are_absolute_and_reading_them_creates_nothing(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = settings.load()
    data = tmp_path / "user" / ".local" / "share" / "orphans_pipeline"
    assert config.orphans_home == data
    assert config.reports_root == data / "reports"
    assert config.dagster_home == data / "dagster"
    assert config.database_url is None and config.dagster_storage_url is None
    assert settings.orphans_home() == data and settings.reports_root() == data / "reports"
    assert not (tmp_path / "user").exists()

    clean_env.setenv("XDG_DATA_HOME", "xdg")  # relative: resolved against the cwd, once
    assert settings.load().orphans_home == tmp_path / "xdg" / "orphans_pipeline"
    clean_env.setenv("ORPHANS_HOME", "here/.orphans")
    assert settings.load().orphans_home == tmp_path / "here" / ".orphans"
    assert settings.load().reports_root == tmp_path / "here" / ".orphans" / "reports"
    assert not (tmp_path / "here").exists()


def test_without_database_url_nothing_starts_a_server_implicitly(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("ORPHANS_HOME", str(tmp_path / "home"))
    with pytest.raises(settings.ConfigError, match=r"embedded PostgreSQL under .*not running"):
        settings.database_url()
    assert not (tmp_path / "home").exists()


def test_database_url_wins_and_keeps_dagster_in_its_own_schema(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("DATABASE_URL", "postgresql://u@db.internal:5432/ct4")
    databases = settings.resolve_databases()
    assert databases.ct4_url == "postgresql+psycopg://u@db.internal:5432/ct4"
    assert databases.dagster_storage_url.startswith("postgresql+psycopg2://u@db.internal:5432/")
    assert "search_path%3Ddagster" in databases.dagster_storage_url
    assert not databases.embedded


def test_default_dagster_home_gets_the_packaged_dagster_yaml(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("ORPHANS_HOME", str(tmp_path / "home"))
    clean_env.setenv("ORPHANS_DAGSTER_STORAGE_URL", "postgresql+psycopg2://u@h/dagster")
    env = instance.prepare_dagster_environment()
    home = tmp_path / "home" / "dagster"
    assert env["DAGSTER_HOME"] == str(home)
    written = (home / "dagster.yaml").read_text()
    packaged = shipped.shipped_path("dagster.yaml").read_text()
    assert written == f"{instance.WRITTEN_MARK}\n{packaged}"
    assert Path(env["ORPHANS_DAGSTER_ARTIFACTS"]).is_dir()

    # a copy it wrote follows the package; an operator's own file is left alone
    (home / "dagster.yaml").write_text(f"{instance.WRITTEN_MARK}\nold: true\n")
    instance.install_dagster_yaml(home)
    assert (home / "dagster.yaml").read_text() == written
    (home / "dagster.yaml").write_text("mine: true\n")
    instance.install_dagster_yaml(home)
    assert (home / "dagster.yaml").read_text() == "mine: true\n"


def test_an_operators_dagster_home_must_hold_a_dagster_yaml(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("DAGSTER_HOME", str(tmp_path))
    clean_env.setenv("ORPHANS_DAGSTER_STORAGE_URL", "postgresql+psycopg2://u@h/dagster")
    with pytest.raises(settings.ConfigError, match=r"has no dagster\.yaml"):
        instance.prepare_dagster_environment()
    assert not (tmp_path / "dagster.yaml").exists()


def test_a_checkout_keeps_its_home_reports_and_dagster_home_beside_the_code(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """As `make` does, so a command typed by hand finds the server `make run` loaded."""
    clean_env.setattr(shipped, "checkout_root", CHECKOUT_ROOT)
    checkout = shipped.checkout_root()
    assert checkout is not None and (checkout / "dagster.yaml").is_file()
    config = settings.load()
    assert config.orphans_home == checkout / ".orphans"
    assert config.reports_root == checkout / "reports"
    assert config.dagster_home == checkout
    clean_env.setenv("ORPHANS_HOME", str(tmp_path / "elsewhere"))
    assert settings.load().orphans_home == tmp_path / "elsewhere"


def test_the_project_s_sessions_run_without_jit_unless_the_url_says(fresh_engine: Engine) -> None:
    """A server built with LLVM would compile the plans of a run's lookups, whose estimated
    costs run to billions (core/db.py: 6.5 s against 5.3 s for a first execute at 100,000
    drivers on PostgreSQL 15). A URL's own `options` win."""
    url = make_url(url_of(fresh_engine)).set(drivername="postgresql+psycopg")
    plain = db.engine_for(url.render_as_string(hide_password=False))
    with plain.connect() as conn:
        assert conn.execute(text("show jit")).scalar_one() == "off"
    given = url.update_query_dict({"options": "-c jit=on -c application_name=ops"})
    chosen = db.engine_for(given.render_as_string(hide_password=False))
    with chosen.connect() as conn:
        assert conn.execute(text("show jit")).scalar_one() == "on"
        assert conn.execute(text("show application_name")).scalar_one() == "ops"
