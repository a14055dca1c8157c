"""A property-based fuzz pass over the API's own OpenAPI schema (schemathesis): whatever a caller
sends, valid or not, the answer is never a 500, matches the documented status codes, content
type and response schema, and auth is enforced. It runs on a real PostgreSQL with demo data and
a real Dagster instance, so run-fix launches real dry runs."""

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine

from orphans_pipeline.api.app import create_app
from orphans_pipeline.api.settings import ApiSettings
from orphans_pipeline.core import demo, fix
from orphans_pipeline.core import settings as orphans_settings
from orphans_pipeline_tests.conftest import DatabaseFactory, url_of
from orphans_pipeline_tests.pipeline_helpers import run_fix

TOKEN = "fuzz-token"
# (operation, status code) -> examples: read by the last test, which proves the pass did work.
SEEN: Counter[tuple[str, int]] = Counter()


class Target:
    """The database the app reads, set by the module fixture before any example runs."""

    engine: Engine | None = None

    @classmethod
    def get(cls) -> Engine:
        assert cls.engine is not None, "the fuzz_database fixture has not run"
        return cls.engine


# enable_fix stays off: an execute is refused (403), a dry run really runs.
app = create_app(ApiSettings(api_token=TOKEN), engine=Target.get)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def fuzz_database(
    module_databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    root = tmp_path_factory.mktemp("fuzz")
    engine = module_databases.create("fuzz")
    storage = module_databases.create("fuzzdagster", template="template0")
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(Path(__file__).resolve().parents[1] / "dagster.yaml", home / "dagster.yaml")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ORPHANS_REPORTS_ROOT", str(root / "reports"))
        patch.setenv("DATABASE_URL", url_of(engine))
        patch.setenv("DAGSTER_HOME", str(home))
        patch.setenv(
            "ORPHANS_DAGSTER_STORAGE_URL",
            orphans_settings.with_driver(url_of(storage), "psycopg2"),
        )
        patch.setenv("ORPHANS_DAGSTER_ARTIFACTS", str(root / "artifacts"))
        demo.load_demo_data(engine, 200, seed=3)
        run_fix(engine, fix.FixOptions(execute=True, lock_wait_seconds=5))
        Target.engine = engine
        yield engine
        app.state.launcher.close()
        Target.engine = None


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_makes_a_server_error(case: schemathesis.Case) -> None:
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKEN}"},
        # A valid-looking driver id that is not in the queue is a 404, by design.
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )
    SEEN[(case.operation.label, response.status_code)] += 1


def test_the_fuzz_pass_reached_every_operation() -> None:
    operations = {operation for operation, _ in SEEN}
    assert len(operations) == 9, operations
    for operation in operations:
        answered = {code for (op, code) in SEEN if op == operation}
        assert sum(SEEN[(operation, code)] for code in answered) >= 10, operation
        assert all(code < 500 for code in answered)
    print("\nfuzz pass, examples per operation and status:")
    for (operation, code), examples in sorted(SEEN.items()):
        print(f"  {operation:<52} {code} {examples:>5}")
