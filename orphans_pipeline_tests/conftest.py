"""Every test runs against a real PostgreSQL: the embedded default, or TEST_DATABASE_URL.

A template database with the CT4 subset and the project's migrations is built once per session;
each test module (`engine`) and each test that asks for `fresh_engine` gets its own copy.

`make test` runs the suite in two pytest-xdist workers on the embedded default. Each worker then
has an embedded server of its own (under ORPHANS_HOME/<worker>), stopped when it ends: roles are
cluster-wide, and the tests of grants, connections and locks read the whole server.
"""

import contextlib
import os
import shutil
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql as psql
from sqlalchemy import Engine, create_engine

from orphans_pipeline.core import demo, schema, settings
from orphans_pipeline_tests.real_ct4 import load_real_ct4
from orphans_pipeline_tests.roles import as_role, login_role

# Under pytest-xdist, "gw0", "gw1", ...; "" in a run without workers.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
TEMPLATE = f"orphans_test_template{WORKER}"
# A worker on the embedded default has a server of its own (ORPHANS_HOME/<worker>).
OWN_SERVER = bool(WORKER) and not os.environ.get("TEST_DATABASE_URL")


def pytest_configure(config: pytest.Config) -> None:
    if OWN_SERVER:
        # Set before any test runs, so the commands the tests start inherit it too.
        os.environ["ORPHANS_HOME"] = str(settings.orphans_home() / WORKER)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # schemathesis names each operation's test alike; pytest-xdist tells tests by name, and with
    # the names alike it ran one operation of nine (test_api_fuzz proves all nine ran).
    # The name the item already has (with the operation) becomes its id, as pytest would make it.
    for item in items:
        if getattr(item, "operation_label", None) and item.name not in item.nodeid:
            assert item.parent is not None
            if hasattr(item, "_id"):  # pytest 9
                item._id = item.parent.id.child(item.name)
            else:
                item._nodeid = f"{item.parent.nodeid}::{item.name}"
            assert item.name in item.nodeid, item.nodeid


def _code_servers_of(parent: int) -> list[int]:
    """The Dagster code servers (`dagster api grpc`) that `parent` started and that still run."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"dagster api grpc" in cmdline:
            found.append(int(proc.name))
    return found


@pytest.fixture(scope="session", autouse=True)
def no_code_server_outlives_the_suite() -> Iterator[None]:
    """A code server a launch started may still be shutting down when its test drops the
    Dagster storage database under it; it then retries that database for ever. The suite ends
    the ones it started (its own children, by pid), so none outlives it."""
    yield
    for pid in _code_servers_of(os.getpid()):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _admin_url() -> str:
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        return settings.libpq_url(explicit)
    from orphans_pipeline.core import embedded

    return settings.libpq_url(embedded.ensure_running(settings.orphans_home()))


def _execute(admin_url: str, statement: psql.Composable) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(statement)


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _url_for(admin_url: str, database: str) -> str:
    return settings.with_driver(settings.with_database(admin_url, database), "psycopg")


@pytest.fixture(scope="session")
def admin_url() -> Iterator[str]:
    yield _admin_url()
    if OWN_SERVER:
        from orphans_pipeline.core import embedded

        # The worker's own server: nothing else uses it, and `db stop` knows only the default.
        embedded.stop(settings.orphans_home())


@pytest.fixture(scope="session")
def template_database(admin_url: str) -> str:
    _execute(
        admin_url,
        psql.SQL("drop database if exists {} with (force)").format(psql.Identifier(TEMPLATE)),
    )
    _execute(admin_url, psql.SQL("create database {}").format(psql.Identifier(TEMPLATE)))
    engine = create_engine(_url_for(admin_url, TEMPLATE))
    schema.create_ct4(engine)
    schema.upgrade(engine)
    engine.dispose()
    return TEMPLATE


# The CT4s the end-to-end tests run on: the project's own subset (`db create-ct4`), and CT4 as
# its migrations really build it (ct4_real_schema.sql), with and without its own views. The
# `_raw` ones lack the project's schema (for the tests of `db upgrade` itself).
FLAVORS = ("subset", "real", "real_noviews")


class FlavorTemplates:
    """Template databases per flavor, each built once per session, when first asked for."""

    def __init__(self, admin_url: str, subset: str) -> None:
        self.admin_url = admin_url
        self.built = {"subset": subset}

    def __call__(self, flavor: str) -> str:
        if flavor not in self.built:
            name = f"orphans_test_{flavor}{WORKER}"
            _execute(
                self.admin_url,
                psql.SQL("drop database if exists {} with (force)").format(psql.Identifier(name)),
            )
            _execute(self.admin_url, psql.SQL("create database {}").format(psql.Identifier(name)))
            base, raw, _ = flavor.partition("_raw")
            load_real_ct4(settings.libpq_url(_url_for(self.admin_url, name)), views=base == "real")
            if not raw:
                engine = create_engine(_url_for(self.admin_url, name))
                schema.upgrade(engine)
                engine.dispose()
            self.built[flavor] = name
        return self.built[flavor]


@pytest.fixture(scope="session")
def flavor_templates(admin_url: str, template_database: str) -> FlavorTemplates:
    return FlavorTemplates(admin_url, template_database)


class DatabaseFactory:
    def __init__(self, admin_url: str, template: str) -> None:
        self.admin_url = admin_url
        self.template = template
        self.created: list[tuple[str, Engine]] = []

    def create(self, prefix: str = "t", template: str | None = None) -> Engine:
        name = f"orphans_{prefix}_{uuid.uuid4().hex[:10]}"
        _execute(
            self.admin_url,
            psql.SQL("create database {} template {} strategy file_copy").format(
                psql.Identifier(name), psql.Identifier(template or self.template)
            ),
        )
        engine = create_engine(_url_for(self.admin_url, name))
        self.created.append((name, engine))
        return engine

    def create_empty(self) -> Engine:
        return self.create("empty", template="template0")

    def drop_all(self) -> None:
        for name, engine in self.created:
            engine.dispose()
            _execute(
                self.admin_url,
                psql.SQL("drop database if exists {} with (force)").format(psql.Identifier(name)),
            )
        self.created.clear()


@pytest.fixture(scope="module")
def module_databases(admin_url: str, template_database: str) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(admin_url, template_database)
    yield factory
    factory.drop_all()


@pytest.fixture(scope="module")
def engine(module_databases: DatabaseFactory) -> Engine:
    """A fresh database for the test module."""
    return module_databases.create("m")


@pytest.fixture(autouse=True)
def pooled_connections_closed_after_each_test() -> Iterator[None]:
    """Runs in process open pooled engines per database (db.engine_for); a test's databases
    are done with when it ends, so their connections are closed then, not when the module's
    databases are dropped (a module of many tests would run out of server connections)."""
    yield
    from orphans_pipeline.core import db

    db.dispose_engines()


@pytest.fixture
def fresh_engine(module_databases: DatabaseFactory) -> Iterator[Engine]:
    """A fresh database for this test alone."""
    engine = module_databases.create("f")
    yield engine
    engine.dispose()


@pytest.fixture(params=FLAVORS)
def flavor(request: pytest.FixtureRequest) -> str:
    """Each end-to-end test that asks for it runs on the subset and on real CT4, with and
    without CT4's views."""
    return str(request.param)


@pytest.fixture
def flavored_engine(
    module_databases: DatabaseFactory, flavor_templates: FlavorTemplates, flavor: str
) -> Iterator[Engine]:
    """A fresh database of this test's flavor, at the project's latest revision."""
    engine = module_databases.create(flavor.replace("_", ""), template=flavor_templates(flavor))
    yield engine
    engine.dispose()


@pytest.fixture
def reports_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "reports"
    root.mkdir()
    monkeypatch.setenv("ORPHANS_REPORTS_ROOT", str(root))
    return root


@pytest.fixture
def dagster_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module_databases: DatabaseFactory
) -> Path:
    """A real instance: dagster.yaml of the repository, storage in a fresh PostgreSQL db."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(Path(__file__).resolve().parents[1] / "dagster.yaml", home / "dagster.yaml")
    storage = module_databases.create("dagster", template="template0")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv(
        "ORPHANS_DAGSTER_STORAGE_URL", settings.with_driver(url_of(storage), "psycopg2")
    )
    monkeypatch.setenv("ORPHANS_DAGSTER_ARTIFACTS", str(tmp_path / "artifacts"))
    return home


@pytest.fixture
def granted(
    fresh_engine: Engine, admin_url: str, reports_root: Path
) -> Iterator[dict[str, Engine]]:
    demo.load_demo_data(fresh_engine, 300, seed=4)
    schema.apply_grants(fresh_engine)
    roles = {group: login_role(admin_url, group) for group in schema.ROLES}
    engines = {group: as_role(fresh_engine, role) for group, role in roles.items()}
    yield engines
    for engine in engines.values():
        engine.dispose()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for role in roles.values():
            # The login roles hold no grants of their own (their groups do): they drop cleanly.
            conn.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity where usename = %s",
                (role,),
            )
            conn.execute(psql.SQL("drop role {}").format(psql.Identifier(role)))
