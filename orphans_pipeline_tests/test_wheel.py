"""The package works installed, not only from a checkout: `python -m build` gives a wheel that,
installed in a fresh venv outside the repository, runs `db upgrade`, `fix` and `serve` against a
database from another working directory. Slow (it builds and installs): `-m "not wheel"` skips
it while iterating; `make test` and CI run it."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from orphans_pipeline.core import schema, settings
from orphans_pipeline.instance import WRITTEN_MARK
from orphans_pipeline_tests.browser import free_port
from orphans_pipeline_tests.conftest import DatabaseFactory, url_of

pytestmark = pytest.mark.wheel

REPO = Path(__file__).resolve().parents[1]
# The checkout's settings must not leak into the installed package's commands.
DROPPED = ("DATABASE_URL", "TEST_DATABASE_URL", "PYTHONPATH", "VIRTUAL_ENV", "XDG_DATA_HOME")


def _run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    assert result.returncode == 0, f"{command}: exit {result.returncode}\n{result.stderr[-4000:]}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    # sdist first, then the wheel built from it, as `python -m build` does for a release.
    _run([sys.executable, "-m", "build", "--outdir", str(dist), str(REPO)], timeout=900)
    (built,) = dist.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def venv_bin(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", str(venv)], timeout=300)
    _run(
        [
            str(venv / "bin" / "pip"),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(wheel),
        ],
        timeout=1800,
    )
    return venv / "bin"


def test_the_wheel_ships_every_sql_file_and_the_dagster_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    in_repo = {str(path.relative_to(REPO)) for path in (REPO / "sql").rglob("*") if path.is_file()}
    shipped = {n.removeprefix("orphans_pipeline/_shipped/") for n in names if "_shipped/" in n}
    assert in_repo and in_repo | {"dagster.yaml", "workspace.yaml"} == shipped
    assert "orphans_pipeline/api/templates/orphans.html" in names
    assert "orphans_pipeline/alembic/versions/0001_owned_objects.py" in names
    assert not [n for n in names if n.startswith("orphans_pipeline_tests/")]


def _get_json(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return dict(json.load(response))


def test_installed_package_upgrades_fixes_and_serves_from_elsewhere(
    venv_bin: Path, module_databases: DatabaseFactory, tmp_path: Path
) -> None:
    database = module_databases.create_empty()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    user_home = tmp_path / "user"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORPHANS_", "DAGSTER_"))}
    for name in DROPPED:
        env.pop(name, None)
    env.update(HOME=str(user_home), DATABASE_URL=settings.libpq_url(url_of(database)))
    cli = str(venv_bin / "orphans-pipeline")

    def orphans(*args: str) -> str:
        return _run([cli, *args], cwd=elsewhere, env=env, timeout=600).stdout

    where = _run(
        [
            str(venv_bin / "python"),
            "-c",
            "import orphans_pipeline.core.sql as s; print(s.sql_dir())",
        ],
        cwd=elsewhere,
        env=env,
    ).stdout.strip()
    assert where.startswith(str(venv_bin.parent)) and where.endswith("_shipped/sql")

    orphans("db", "create-ct4")
    assert f"revision {schema.head_revision()}" in orphans("db", "upgrade")
    orphans("demo-data", "--drivers", "200", "--seed", "7")
    dry_run = orphans("fix")
    execute = orphans("fix", "--execute")
    # Reports and DAGSTER_HOME default to the user's data directory, absolute, with the
    # packaged dagster.yaml written there.
    data = user_home / ".local" / "share" / "orphans_pipeline"
    assert str(data / "reports") in dry_run and str(data / "reports") in execute
    assert (data / "dagster" / "dagster.yaml").read_text().startswith(WRITTEN_MARK)
    assert len(list((data / "reports").glob("orphans_report_*.json"))) == 2

    port = free_port()
    server = subprocess.Popen(
        [cli, "serve", "--port", str(port)],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        metrics: dict[str, object] | None = None
        while metrics is None:
            assert server.poll() is None, (
                f"serve exited: {server.stdout.read() if server.stdout else ''}"
            )
            try:
                metrics = _get_json(f"{base}/api/v1/identity/orphans/metrics")
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "serve did not answer"
                time.sleep(0.5)
        assert isinstance(metrics["total_orphans"], int) and metrics["total_orphans"] > 0
        assert isinstance(metrics["quarantined"], int) and metrics["quarantined"] > 0
        with urllib.request.urlopen(f"{base}/orphans", timeout=10) as page:
            assert page.status == 200 and "Huérfanos" in page.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_installed_package_starts_one_embedded_server_wherever_it_is_run_from(
    venv_bin: Path, tmp_path: Path
) -> None:
    """No DATABASE_URL: each command starts (or reuses) the embedded server under the default
    home, which is absolute, so commands run from two directories share one server."""
    user_home = tmp_path / "user"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORPHANS_", "DAGSTER_"))}
    for name in DROPPED:
        env.pop(name, None)
    env["HOME"] = str(user_home)
    cli = str(venv_bin / "orphans-pipeline")
    data = user_home / ".local" / "share" / "orphans_pipeline"
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    try:
        url = _run([cli, "db", "url"], cwd=first, env=env, timeout=300).stdout.strip()
        assert (data / "pg" / "PG_VERSION").is_file()
        assert _run([cli, "db", "url"], cwd=second, env=env, timeout=300).stdout.strip() == url
        _run([cli, "db", "create-ct4"], cwd=second, env=env, timeout=300)
        upgraded = _run([cli, "db", "upgrade"], cwd=first, env=env, timeout=300).stdout
        assert f"revision {schema.head_revision()}" in upgraded
    finally:
        stopped = _run([cli, "db", "stop"], cwd=first, env=env, timeout=300).stdout
    assert "stopped" in stopped
    assert not (data / "pg" / "postmaster.pid").exists()
