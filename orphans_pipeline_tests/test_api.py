"""The HTTP API and the review page against a real PostgreSQL: every endpoint, its auth and
its refusals, with figures checked against the database itself."""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, text

from orphans_pipeline.api.app import PREFIX, create_app
from orphans_pipeline.api.settings import ApiSettings
from orphans_pipeline.core import demo, fix, schema
from orphans_pipeline_tests.conftest import DatabaseFactory, url_of
from orphans_pipeline_tests.ct4 import CT4, snapshot
from orphans_pipeline_tests.pipeline_helpers import run_fix

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TABLES = schema.CT4_TABLES + schema.OWNED_TABLES


@pytest.fixture(scope="module")
def reports_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reports")


@pytest.fixture(scope="module")
def demo_db(module_databases: DatabaseFactory, reports_dir: Path) -> Iterator[Engine]:
    """300 demo drivers after one execute: every status and reason is in the queue."""
    engine = module_databases.create("api")
    demo.load_demo_data(engine, 300, seed=11)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ORPHANS_REPORTS_ROOT", str(reports_dir))
        run_fix(engine, fix.FixOptions(execute=True, lock_wait_seconds=5))
    yield engine


def client_for(engine: Engine, **settings: Any) -> TestClient:
    settings.setdefault("api_token", TOKEN)
    return TestClient(create_app(ApiSettings(**settings), engine=lambda: engine))


@pytest.fixture(scope="module")
def client(demo_db: Engine) -> Iterator[TestClient]:
    with client_for(demo_db) as api:
        yield api


def scalar(engine: Engine, statement: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(statement), params).scalar_one()


def quarantined_driver(engine: Engine, offset: int = 0) -> str:
    driver: str = scalar(
        engine,
        "select driver_id from canon.driver_orphan_quarantine where status = 'quarantined' "
        "order by driver_id offset :offset limit 1",
        offset=offset,
    )
    return driver


# --- reads -----------------------------------------------------------------------------------


def test_list_pages_through_every_quarantine_row(client: TestClient, demo_db: Engine) -> None:
    total = scalar(demo_db, "select count(*) from canon.driver_orphan_quarantine")
    seen: list[str] = []
    page = 1
    while True:
        body = client.get(PREFIX, params={"page": page, "page_size": 40}).json()
        assert (body["total"], body["page"], body["page_size"]) == (total, page, 40)
        assert body["total_pages"] == -(-total // 40)
        if not body["orphans"]:
            break
        seen += [orphan["driver_id"] for orphan in body["orphans"]]
        page += 1
    assert seen == sorted(seen) and len(set(seen)) == total
    assert page == body["total_pages"] + 1
    first = client.get(PREFIX, params={"page_size": 1}).json()["orphans"][0]
    assert set(first) == {
        "driver_id",
        "person_key",
        "detected_at",
        "detected_reason",
        "creation_rule",
        "status",
        "resolved_at",
        "resolution_notes",
        "primary_phone",
        "primary_license",
        "primary_full_name",
        "driver_links_count",
        "lead_events_count",
        "evidence_json",
    }


def test_list_filters_by_status_reason_and_driver(client: TestClient, demo_db: Engine) -> None:
    body = client.get(
        PREFIX,
        params={"status": "quarantined", "detected_reason": "no_lead_no_events", "page_size": 500},
    ).json()
    expected = scalar(
        demo_db,
        "select count(*) from canon.driver_orphan_quarantine "
        "where status = 'quarantined' and detected_reason = 'no_lead_no_events'",
    )
    assert body["total"] == expected > 0 == body["total"] - len(body["orphans"])
    assert {(o["status"], o["detected_reason"]) for o in body["orphans"]} == {
        ("quarantined", "no_lead_no_events")
    }
    driver = body["orphans"][0]["driver_id"]
    one = client.get(PREFIX, params={"driver_id": driver}).json()
    assert [o["driver_id"] for o in one["orphans"]] == [driver] and one["total"] == 1
    none = client.get(PREFIX, params={"driver_id": "nobody"}).json()
    assert (none["orphans"], none["total"], none["total_pages"]) == ([], 0, 0)


def test_a_page_is_one_query_whatever_its_size(demo_db: Engine) -> None:
    engine = create_engine(url_of(demo_db))
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with client_for(engine) as api:
        for size in (1, 25):
            statements.clear()
            assert len(api.get(PREFIX, params={"page_size": size}).json()["orphans"]) == size
            assert len(statements) == 1, statements
    engine.dispose()


def test_metrics_are_the_database_figures(client: TestClient, demo_db: Engine) -> None:
    metrics = client.get(f"{PREFIX}/metrics").json()

    def count(where: str) -> int:
        return int(scalar(demo_db, f"select count(*) from canon.driver_orphan_quarantine {where}"))  # noqa: S608

    assert metrics["total_orphans"] == count("")
    assert set(metrics["by_status"]) == {
        "quarantined",
        "resolved_relinked",
        "resolved_created_lead",
        "purged",
    }
    for status, rows in metrics["by_status"].items():
        assert rows == count(f"where status = '{status}'")
    assert metrics["quarantined"] == metrics["by_status"]["quarantined"] > 0
    assert metrics["resolved_relinked"] == metrics["by_status"]["resolved_relinked"] > 0
    assert sum(metrics["by_reason"].values()) == metrics["quarantined"]
    assert metrics["by_reason"]["no_lead_no_events"] == count(
        "where status = 'quarantined' and detected_reason = 'no_lead_no_events'"
    )
    with_events = count("where coalesce((evidence_json ->> 'lead_events_count')::int, 0) > 0")
    assert metrics["with_lead_events"] == with_events > 0
    assert metrics["without_lead_events"] == metrics["total_orphans"] - with_events > 0
    last = scalar(demo_db, "select max(changed_at) from canon.driver_orphan_quarantine_history")
    assert metrics["last_updated_at"].replace("Z", "+00:00") == last.isoformat()


def test_history_of_a_driver(client: TestClient, demo_db: Engine) -> None:
    driver = quarantined_driver(demo_db)
    story = client.get(f"{PREFIX}/{driver}/history").json()
    assert story["driver_id"] == driver and story["current"]["status"] == "quarantined"
    assert story["transitions"][0]["from_status"] is None
    assert story["transitions"][-1]["to_status"] == "quarantined"
    missing = client.get(f"{PREFIX}/nobody/history")
    assert missing.status_code == 404 and "no quarantine row" in missing.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": 0}, "page"),
        ({"page": -1}, "page"),
        ({"page": "x"}, "page"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 501}, "page_size"),
        ({"status": "lost"}, "status"),
        ({"detected_reason": "because"}, "detected_reason"),
        ({"driver_id": "1' or '1'='1"}, "driver_id"),
        ({"driver_id": "x; drop table canon.identity_links; --"}, "driver_id"),
        ({"driver_id": "a" * 65}, "driver_id"),
        ({"driver_id": "nul\x00byte"}, "driver_id"),
    ],
)
def test_bad_query_is_refused_with_the_field_named(
    client: TestClient, params: dict[str, Any], field: str
) -> None:
    response = client.get(PREFIX, params=params)
    assert response.status_code == 422
    assert [error["loc"][-1] for error in response.json()["detail"]] == [field]


def test_malformed_ids_in_paths_are_refused(client: TestClient) -> None:
    assert client.get(f"{PREFIX}/a%20b/history").status_code == 422
    assert client.get(f"{PREFIX}/x'%3B--/history").status_code == 422
    assert client.get(f"{PREFIX}/runs/not-a-run").status_code == 422
    body = {"reviewer": "ana"}
    assert client.post(f"{PREFIX}/a%27b/purge", json=body, headers=AUTH).status_code == 422


def test_database_down_is_503_not_500(demo_db: Engine) -> None:
    down = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with client_for(down) as api:
        response = api.get(f"{PREFIX}/metrics")
    assert response.status_code == 503 and response.json()["detail"].startswith("database:")


def test_an_internal_value_error_is_a_500_not_a_400(
    demo_db: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A ValueError that is no refusal of the project's is a bug: 500, logged, and the body
    names no server path nor stack; the caller is never told its request was wrong."""
    from orphans_pipeline.core import queue

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("invalid literal in /srv/orphans/secret/config.py line 12")

    monkeypatch.setattr(queue, "orphan_metrics", broken)
    with client_for(demo_db) as api:
        with caplog.at_level("ERROR", logger="orphans_pipeline.api.errors"):
            metrics = api.get(f"{PREFIX}/metrics")
        # A refusal of the core is still the caller's fault: 400, its message kept.
        refused = api.post(
            f"{PREFIX}/{quarantined_driver(demo_db)}/purge",
            json={"reviewer": "pipeline"},
            headers=AUTH,
        )
    assert metrics.status_code == 500
    assert metrics.json() == {"detail": "internal server error (logged on the server)"}
    assert "/srv" not in metrics.text and "Traceback" not in metrics.text
    assert metrics.headers["X-Frame-Options"] == "DENY"  # the security headers still apply
    assert any("/srv/orphans/secret" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)
    assert refused.status_code == 400 and "reserved for the pipeline" in refused.json()["detail"]


def test_each_route_documents_the_status_codes_it_can_answer(client: TestClient) -> None:
    """The OpenAPI lists what each route really answers: a read of the queue is never a 404 or
    a 409; every route can be refused by the middlewares or auth, or fail (503, a bug's 500)."""
    always = {"400", "401", "403", "408", "413", "431", "500", "503"}
    expected = {
        ("get", PREFIX): always | {"200", "422"},
        ("get", f"{PREFIX}/metrics"): always | {"200"},
        ("post", f"{PREFIX}/run-fix"): always | {"202", "409", "422"},
        ("get", f"{PREFIX}/runs/{{run_id}}"): always | {"200", "404", "422"},
        ("get", f"{PREFIX}/{{driver_id}}/history"): always | {"200", "404", "422"},
        **{
            ("post", f"{PREFIX}/{{driver_id}}/{action}"): always | {"200", "404", "409", "422"}
            for action in ("relink", "create-lead", "purge", "undo")
        },
    }
    paths = client.get("/openapi.json").json()["paths"]
    documented = {
        (method, path): set(operation["responses"])
        for path, methods in paths.items()
        for method, operation in methods.items()
    }
    assert documented == expected


# --- auth ---------------------------------------------------------------------------------------


def test_writes_need_the_token_and_are_refused_without_one(demo_db: Engine) -> None:
    driver = quarantined_driver(demo_db)
    url, body = f"{PREFIX}/{driver}/purge", {"reviewer": "ana", "execute": True}
    before = snapshot(demo_db, TABLES)
    with client_for(demo_db) as api:
        missing = api.post(url, json=body)
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
        wrong = api.post(url, json=body, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.json()["detail"] == "wrong bearer token"
        # A cookie is not enough for a change: another site could make the browser send it.
        api.cookies.set("orphans_api_token", TOKEN)
        assert api.post(url, json=body).status_code == 401
        assert api.post(f"{PREFIX}/run-fix", json={}).status_code == 401
    with client_for(demo_db, api_token=None) as api:
        refused = api.post(url, json=body, headers=AUTH)
        assert refused.status_code == 403 and "ORPHANS_API_TOKEN" in refused.json()["detail"]
        assert api.get(f"{PREFIX}/metrics").status_code == 200
    assert snapshot(demo_db, TABLES) == before


def test_reads_can_require_the_token(demo_db: Engine) -> None:
    with client_for(demo_db, read_requires_token=True) as api:
        for path in (PREFIX, f"{PREFIX}/metrics", "/orphans"):
            assert api.get(path).status_code == 401, path
        assert api.get(PREFIX, headers=AUTH).status_code == 200
        # The token itself in a cookie opens nothing: it never belongs in one.
        api.cookies.set("orphans_api_token", TOKEN)
        assert api.get(f"{PREFIX}/metrics").status_code == 401
        api.cookies.clear()
        # The page trades the token (header) for an HttpOnly read cookie that opens reads only.
        assert api.post("/orphans/read-session").status_code == 401
        started = api.post("/orphans/read-session", headers=AUTH)
        assert started.status_code == 204
        cookie = started.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and TOKEN not in cookie
        assert api.get(f"{PREFIX}/metrics").status_code == 200
        page = api.get("/orphans")
        assert page.status_code == 200 and 'data-testid="orphans-table"' in page.text
        assert "document.cookie" not in page.text
        # Never a write: the cookie is not the token.
        driver = quarantined_driver(demo_db)
        refused = api.post(f"{PREFIX}/{driver}/purge", json={"reviewer": "ana"})
        assert refused.status_code == 401


def test_the_read_cookie_is_one_per_login_and_expires(demo_db: Engine) -> None:
    """Each login gets a value of its own, signed, that expires after a working day; the fixed
    value every login shared before, a forged one and an expired one open nothing."""
    import hashlib
    import hmac

    from orphans_pipeline.api import auth

    with client_for(demo_db, read_requires_token=True) as api:
        values = []
        for _ in range(2):
            started = api.post("/orphans/read-session", headers=AUTH)
            assert started.status_code == 204
            assert "Max-Age=28800" in started.headers["set-cookie"]  # 8 hours
            values.append(api.cookies[auth.READ_COOKIE])
            api.cookies.clear()
        assert values[0] != values[1]
        shared = hmac.new(TOKEN.encode(), b"orphans_pipeline read session v1", hashlib.sha256)
        expires, nonce, signature = values[0].split(".")
        lifetime = auth.READ_SESSION_SECONDS
        for value, opens in (
            (values[0], True),
            (values[1], True),
            (shared.hexdigest(), False),
            (f"{int(expires) + 10**6}.{nonce}.{signature}", False),
            (f"{expires}.{nonce}x.{signature}", False),
            (auth.new_read_session(TOKEN, now=time.time() - lifetime - 1), False),
            (auth.new_read_session("another token"), False),
        ):
            api.cookies.set(auth.READ_COOKIE, value)
            answer = api.get(f"{PREFIX}/metrics")
            assert answer.status_code == (200 if opens else 401), value
            api.cookies.clear()


def test_no_docs_page_loads_scripts_from_elsewhere(client: TestClient) -> None:
    """FastAPI's /docs and /redoc load Swagger UI and ReDoc from a CDN onto the origin whose
    tab keeps the token: they are off; the schema is /openapi.json."""
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").json()["paths"]
    for path in ("/orphans", "/openapi.json", f"{PREFIX}/metrics"):
        answer = client.get(path)
        assert "https:" not in answer.headers["content-security-policy"], path
        assert "cdn" not in answer.text.lower(), path


# --- reviews ------------------------------------------------------------------------------------


def test_purge_preview_writes_nothing_then_execute_purges(
    client: TestClient, demo_db: Engine
) -> None:
    driver = quarantined_driver(demo_db, offset=1)
    url = f"{PREFIX}/{driver}/purge"
    before = snapshot(demo_db, TABLES)
    preview = client.post(url, json={"reviewer": "ana", "notes": "fake"}, headers=AUTH)
    assert preview.status_code == 200
    assert (preview.json()["executed"], preview.json()["to_status"]) == (False, "purged")
    assert snapshot(demo_db, TABLES) == before
    done = client.post(
        url, json={"reviewer": "ana", "notes": "fake", "execute": True}, headers=AUTH
    )
    assert done.status_code == 200 and done.json()["executed"] is True
    row = CT4(demo_db).quarantine_row(driver)
    assert row is not None and row["status"] == "purged"
    last = client.get(f"{PREFIX}/{driver}/history").json()["transitions"][-1]
    assert (last["from_status"], last["to_status"], last["actor"]) == (
        "quarantined",
        "purged",
        "ana",
    )
    again = client.post(url, json={"reviewer": "ana", "execute": True}, headers=AUTH)
    assert again.status_code == 400 and "purged" in again.json()["detail"]


def test_create_lead_and_undo(client: TestClient, demo_db: Engine) -> None:
    driver = quarantined_driver(demo_db, offset=2)
    body = {"reviewer": "luis", "notes": "joined by phone", "execute": True}
    created = client.post(f"{PREFIX}/{driver}/create-lead", json=body, headers=AUTH)
    assert created.status_code == 200 and created.json()["to_status"] == "resolved_created_lead"
    assert client.get(PREFIX, params={"driver_id": driver}).json()["orphans"][0]["status"] == (
        "resolved_created_lead"
    )
    undone = client.post(f"{PREFIX}/{driver}/undo", json=body, headers=AUTH)
    assert undone.status_code == 200 and undone.json()["to_status"] == "quarantined"


def test_relink_refusals_and_success(client: TestClient, demo_db: Engine) -> None:
    driver = quarantined_driver(demo_db, offset=3)
    url = f"{PREFIX}/{driver}/relink"
    base = {"reviewer": "ana", "execute": True}
    missing = client.post(
        url,
        json={**base, "source_table": "module_ct_migrations", "source_pk": "999999"},
        headers=AUTH,
    )
    assert missing.status_code == 400 and "999999" in missing.json()["detail"]
    wrong_table = client.post(
        url, json={**base, "source_table": "drivers", "source_pk": "1"}, headers=AUTH
    )
    assert wrong_table.status_code == 422
    extra = client.post(url, json={**base, "source_pk": "1", "admin": True}, headers=AUTH)
    assert extra.status_code == 422
    pk = CT4(demo_db).lead("module_ct_scouting_daily")
    done = client.post(
        url,
        json={**base, "source_table": "module_ct_scouting_daily", "source_pk": pk},
        headers=AUTH,
    )
    assert done.status_code == 200 and done.json()["to_status"] == "resolved_relinked"
    unknown = client.post(f"{PREFIX}/nobody/purge", json=base, headers=AUTH)
    assert unknown.status_code == 404


def test_review_body_is_validated(client: TestClient, demo_db: Engine) -> None:
    url = f"{PREFIX}/{quarantined_driver(demo_db)}/purge"
    for body in ({}, {"reviewer": ""}, {"reviewer": "   "}, {"reviewer": "a", "notes": "x" * 2001}):
        assert client.post(url, json=body, headers=AUTH).status_code == 422, body
    assert client.post(url, content=b"not json", headers=AUTH).status_code == 422


# --- run-fix ------------------------------------------------------------------------------------


def wait_for_run(api: TestClient, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run: dict[str, Any] = api.get(f"{PREFIX}/runs/{run_id}").json()
        if run["finished"]:
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not finish")


@pytest.fixture
def fix_env(
    demo_db: Engine, dagster_home: Path, reports_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv("DATABASE_URL", url_of(demo_db))
    monkeypatch.setenv("ORPHANS_REPORTS_ROOT", str(reports_dir))
    return reports_dir


def test_run_fix_dry_run_returns_a_run_id_then_its_result(demo_db: Engine, fix_env: Path) -> None:
    before = snapshot(demo_db, TABLES)
    with client_for(demo_db) as api:
        # After the module's execute nothing changed: only a full sweep has candidates.
        started = api.post(f"{PREFIX}/run-fix", json={"limit": 5, "full": True}, headers=AUTH)
        assert started.status_code == 202, started.text
        body = started.json()
        assert body["execute"] is False and body["dagster_ui_url"].endswith(body["run_id"])
        run = wait_for_run(api, body["run_id"])
    assert (run["status"], run["mode"], run["registry_status"]) == (
        "SUCCESS",
        "dry_run",
        "succeeded",
    )
    assert run["stats"]["processed"] == 5 == run["drivers_total"] == len(run["drivers"])
    assert run["checks"] == {}  # checks report on an execute only
    assert Path(run["report_csv_path"]).parent == fix_env
    assert snapshot(demo_db, TABLES) == before


def test_run_fix_execute_needs_the_switch(demo_db: Engine, fix_env: Path) -> None:
    with client_for(demo_db) as api:
        refused = api.post(f"{PREFIX}/run-fix", json={"execute": True}, headers=AUTH)
        assert refused.status_code == 403 and "ENABLE_ORPHANS_FIX" in refused.json()["detail"]
    with client_for(demo_db, enable_fix=True) as api:
        started = api.post(f"{PREFIX}/run-fix", json={"execute": True}, headers=AUTH)
        assert started.status_code == 202, started.text
        run = wait_for_run(api, started.json()["run_id"])
    assert (run["status"], run["mode"]) == ("SUCCESS", "execute")
    assert run["checks"] == {
        "no_operational_orphans": True,
        "ops_views_exclude_quarantined_drivers": True,
        "quarantine_has_audit_trail": True,
        "no_driver_links_recorded_without_lead": True,
    }
    # `full`: a sweep re-judges every row still quarantined, where the next incremental
    # execute (nothing changed since) re-judges none.
    with demo_db.connect() as conn:
        quarantined = conn.execute(
            text("select count(*) from canon.driver_orphan_quarantine where status = 'quarantined'")
        ).scalar_one()
    with client_for(demo_db, enable_fix=True) as api:
        swept = api.post(f"{PREFIX}/run-fix", json={"execute": True, "full": True}, headers=AUTH)
        assert swept.status_code == 202, swept.text
        run = wait_for_run(api, swept.json()["run_id"])
    assert run["status"] == "SUCCESS" and run["stats"]["processed"] == quarantined > 0
    with demo_db.connect() as conn:
        scope = conn.execute(
            text("select scope from orphans.runs where run_id = :run"), {"run": run["run_id"]}
        ).scalar_one()
    assert scope == "full"


def test_run_fix_refuses_bad_requests(demo_db: Engine, fix_env: Path, tmp_path: Path) -> None:
    with client_for(demo_db, enable_fix=True) as api:
        outside = api.post(
            f"{PREFIX}/run-fix", json={"output_dir": str(tmp_path / "elsewhere")}, headers=AUTH
        )
        assert outside.status_code == 400 and "outside the reports root" in outside.json()["detail"]
        escape = api.post(f"{PREFIX}/run-fix", json={"output_dir": "../../etc"}, headers=AUTH)
        assert escape.status_code == 400
        for body in (
            {"limit": 0},
            {"limit": -3},
            {"limit": "ten"},
            {"execute": "maybe"},
            {"full": "yes"},
            {"x": 1},
        ):
            assert api.post(f"{PREFIX}/run-fix", json=body, headers=AUTH).status_code == 422, body
        unknown = api.get(f"{PREFIX}/runs/00000000-0000-0000-0000-000000000000")
        assert unknown.status_code == 404


def queued_launchpad_run(launcher: Any) -> str:
    """A run put in the daemon's queue as the launchpad does; no daemon runs in the tests."""
    import dagster as dg

    from orphans_pipeline import launch

    instance = launcher.instance()
    run_id, request = launch.create_run(
        instance, launcher.workspace(), execute=False, limit=None, output_dir=None, tags={}
    )
    instance.submit_run(run_id, request)
    run = instance.get_run_by_id(run_id)
    assert run is not None and run.status == dg.DagsterRunStatus.QUEUED
    return run_id


def test_run_fix_refuses_before_it_touches_the_file_system(demo_db: Engine, fix_env: Path) -> None:
    """A 409 or a 400 leaves no directory behind, and output_dir goes at most 4 deep (refused
    run-fix calls used to leave thousands of directories, each walked by every download)."""
    from orphans_pipeline.api.fix_runs import FixRunLauncher

    launcher = FixRunLauncher()
    queued_launchpad_run(launcher)
    app = create_app(ApiSettings(api_token=TOKEN), engine=lambda: demo_db, launcher=launcher)
    with TestClient(app) as api:
        for output_dir in ("weekly/new", "a/b/c/d"):
            busy = api.post(f"{PREFIX}/run-fix", json={"output_dir": output_dir}, headers=AUTH)
            assert busy.status_code == 409, busy.text
        assert not (fix_env / "weekly").exists() and not (fix_env / "a").exists()
        too_deep = api.post(f"{PREFIX}/run-fix", json={"output_dir": "a/b/c/d/e"}, headers=AUTH)
        assert too_deep.status_code == 400 and "at most 4" in too_deep.json()["detail"]
    assert not (fix_env / "a").exists()


def test_a_queued_run_no_daemon_takes_blocks_run_fix_only_until_it_is_stale(
    demo_db: Engine, fix_env: Path
) -> None:
    """A launchpad run queued with no daemon never starts: run-fix's 409 names it and why, and
    once it is stale the next run-fix fails it and goes ahead. While a daemon takes runs from
    the queue, the queue is its business."""
    import dagster as dg
    from dagster._daemon.types import DaemonHeartbeat

    from orphans_pipeline.api.fix_runs import FixRunLauncher

    launcher = FixRunLauncher()
    queued = queued_launchpad_run(launcher)
    instance = launcher.instance()
    app = create_app(ApiSettings(api_token=TOKEN), engine=lambda: demo_db, launcher=launcher)
    with TestClient(app) as api:
        busy = api.post(f"{PREFIX}/run-fix", json={}, headers=AUTH)
        assert busy.status_code == 409, busy.text
        detail = busy.json()["detail"]
        assert queued in detail and "QUEUED" in detail and "no daemon" in detail, detail
        launcher.queued_stale_seconds = 0
        instance.add_daemon_heartbeat(DaemonHeartbeat(time.time(), "QUEUED_RUN_COORDINATOR", None))
        assert api.post(f"{PREFIX}/run-fix", json={}, headers=AUTH).status_code == 409
        instance.wipe_daemon_heartbeats()
        started = api.post(f"{PREFIX}/run-fix", json={}, headers=AUTH)
        assert started.status_code == 202, started.text
        assert wait_for_run(api, started.json()["run_id"])["status"] == "SUCCESS"
    stale = dg.DagsterInstance.get().get_run_by_id(queued)
    assert stale is not None and stale.status == dg.DagsterRunStatus.FAILURE


def test_a_report_is_found_by_name_in_the_run_registry_without_walking_the_tree(
    client: TestClient, demo_db: Engine, fix_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """orphans.runs holds every report's path: a download reads it, never the directory tree
    (thousands of run directories made each 404 walk them all)."""
    import os

    registered = Path(scalar(demo_db, "select report_csv_path from orphans.runs limit 1"))
    assert registered.parent == fix_env
    unregistered = fix_env / "deep" / "orphans_report_20200101_000000.csv"
    unregistered.parent.mkdir()
    unregistered.write_text("driver_id\nNOT-A-RUN\n")

    def walked(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a report download walked a directory")

    for module, name in ((Path, "rglob"), (Path, "glob"), (Path, "iterdir"), (os, "walk")):
        monkeypatch.setattr(module, name, walked)
    monkeypatch.setattr(os, "scandir", walked)
    found = client.get(f"/orphans/reports/{registered.name}")
    assert found.status_code == 200 and found.text == registered.read_text()
    # A file no run wrote is no report of ours, wherever it lies; an unknown name is a cheap 404.
    assert client.get(f"/orphans/reports/{unregistered.name}").status_code == 404
    assert client.get("/orphans/reports/orphans_report_19990101_000000.json").status_code == 404


# --- the page -----------------------------------------------------------------------------------


def test_page_shows_metrics_filters_and_rows(client: TestClient, demo_db: Engine) -> None:
    metrics = client.get(f"{PREFIX}/metrics").json()
    page = client.get("/orphans", params={"status": "quarantined", "page_size": 25})
    assert page.status_code == 200
    assert f'data-testid="metric-quarantined">{metrics["quarantined"]}<' in page.text
    assert page.text.count('data-testid="row-') == min(25, metrics["quarantined"])
    assert 'data-testid="purge-' in page.text
    assert f"{metrics['quarantined']} conductor(es)" in page.text
    bad = client.get("/orphans", params={"status": "lost", "page_size": 7})
    assert bad.status_code == 400 and "estado desconocido" in bad.text
    assert "tamaño de página 7" in bad.text


def test_page_escapes_what_it_shows(fresh_engine: Engine, reports_root: Path) -> None:
    data = CT4(fresh_engine)
    hostile = "<script>alert(1)</script>"
    data.quarantine("evil", data.driver("evil", data.person(name=hostile)))
    with client_for(fresh_engine) as api:
        page = api.get("/orphans")
    assert hostile not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


# --- hardening (issue 14) -----------------------------------------------------------------------


def test_bodies_over_the_limit_are_refused_before_parsing(client: TestClient) -> None:
    driver = "drv_00000001"
    url = f"{PREFIX}/{driver}/purge"
    big = b'{"reviewer": "ana", "notes": "' + b"x" * 70_000 + b'"}'
    # Declared length over the limit: 413 before authentication, too.
    assert client.post(url, content=big).status_code == 413
    declared = client.post(url, content=big, headers=AUTH)
    assert declared.status_code == 413 and "at most 65536 bytes" in declared.json()["detail"]

    # A chunked body (no Content-Length) is counted as it arrives.
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"y" * 10_000

    chunked = client.post(url, content=chunks(), headers={**AUTH, "Content-Type": "text/plain"})
    assert chunked.status_code == 413
    # Within the limit the body reaches the app unchanged.
    small = client.post(url, json={"reviewer": "ana", "notes": "x" * 100}, headers=AUTH)
    assert small.status_code in (200, 400, 404), small.text


def test_a_422_echoes_only_a_short_excerpt(client: TestClient, demo_db: Engine) -> None:
    url = f"{PREFIX}/{quarantined_driver(demo_db)}/purge"
    huge = "z" * 50_000
    for body in ({"reviewer": "ana", "notes": huge}, {"reviewer": "ana", "extra": huge}):
        answer = client.post(url, json=body, headers=AUTH)
        assert answer.status_code == 422
        assert len(answer.content) < 1_000 and "characters)" in answer.text
        assert answer.json()["detail"][0]["loc"][-1] in ("notes", "extra")
    many = client.post(url, json={f"k{i}": i for i in range(500)} | {"reviewer": "a"}, headers=AUTH)
    assert many.status_code == 422 and len(many.json()["detail"]) == 21


def test_a_lone_surrogate_in_a_body_is_a_422_not_a_500(client: TestClient, demo_db: Engine) -> None:
    """JSON may carry a lone UTF-16 surrogate escape, which no UTF-8 answer can hold: the 422
    that names it writes it as its escape instead of failing to encode."""
    driver = quarantined_driver(demo_db)
    headers = {**AUTH, "Content-Type": "application/json"}
    for path, body in (
        (f"{PREFIX}/{driver}/purge", r'{"reviewer": "\ud800"}'),
        (
            f"{PREFIX}/{driver}/relink",
            r'{"reviewer": "a", "source_table": "module_ct_migrations", "source_pk": "\ud800"}',
        ),
        (f"{PREFIX}/{driver}/purge", r'{"reviewer": "a", "\ud800": 1}'),
        (f"{PREFIX}/{driver}/purge", r'{"reviewer": "a", "extra": ["\udfff", {"k": "\ud800"}]}'),
    ):
        answer = client.post(path, content=body.encode(), headers=headers)
        assert answer.status_code == 422, (body, answer.text)
        assert "\\ud8" in answer.text or "\\udf" in answer.text, answer.text
        assert answer.json()["detail"]


def test_nan_infinity_and_out_of_range_numbers_are_a_422_not_a_500(
    client: TestClient, demo_db: Engine
) -> None:
    """Python's json module reads NaN, Infinity and 1e400 (as infinity), which JSON has not and
    no answer can carry: the body is refused as not JSON, saying why, and nothing is written."""
    driver = quarantined_driver(demo_db)
    headers = {**AUTH, "Content-Type": "application/json"}
    before = snapshot(demo_db, TABLES)
    for path, body, why in (
        (f"{PREFIX}/run-fix", '{"limit": NaN}', "NaN"),
        (f"{PREFIX}/run-fix", '{"limit": 1e400}', "out of range"),
        (f"{PREFIX}/run-fix", '{"limit": -Infinity}', "Infinity"),
        (f"{PREFIX}/run-fix", '{"limit": ' + "9" * 5000 + "}", "4300 digits"),
        (f"{PREFIX}/{driver}/purge", '{"reviewer": "ana", "notes": NaN}', "NaN"),
        (f"{PREFIX}/{driver}/purge", '{"reviewer": "ana", "extra": [Infinity]}', "Infinity"),
        (f"{PREFIX}/{driver}/purge", '{"reviewer": "ana", "execute": true, "x": 1e999}', "range"),
    ):
        answer = client.post(path, content=body.encode(), headers=headers)
        assert answer.status_code == 422, (body, answer.status_code, answer.text)
        [error] = answer.json()["detail"]
        assert error["type"] == "json_invalid" and why in error["msg"], answer.text
    assert snapshot(demo_db, TABLES) == before


def test_security_headers_on_the_page_the_api_and_the_docs(client: TestClient) -> None:
    for path in ("/orphans", f"{PREFIX}/metrics", "/docs", "/openapi.json", "/nowhere"):
        answer = client.get(path)
        assert answer.headers["x-frame-options"] == "DENY", path
        assert answer.headers["x-content-type-options"] == "nosniff", path
        csp = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp, path
    assert client.get(f"{PREFIX}/metrics").headers["cache-control"] == "no-store"
    page = client.get("/orphans")
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    # The page shows names and phones: never cached either; no inline script is allowed.
    assert page.headers["cache-control"] == "no-store"
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]


def test_only_allowed_host_names_are_answered(
    demo_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with client_for(demo_db) as api:
        for host in ("evil.example", "127.0.0.1.evil.example", ""):
            rebound = api.get(f"{PREFIX}/metrics", headers={"Host": host})
            assert rebound.status_code == 400, host
            assert "ORPHANS_API_ALLOWED_HOSTS" in rebound.json()["detail"]
            assert "total_orphans" not in rebound.text
            assert rebound.headers["x-frame-options"] == "DENY"
        for host in ("127.0.0.1:8000", "localhost", "[::1]:8000", "LOCALHOST:1"):
            assert api.get(f"{PREFIX}/metrics", headers={"Host": host}).status_code == 200, host
    with client_for(demo_db, allowed_hosts=("orphans.example.org", "*.ops.example")) as api:
        for host, code in (
            ("orphans.example.org", 200),
            ("a.ops.example:443", 200),
            ("ops.example", 400),
            ("localhost", 400),
        ):
            assert api.get(f"{PREFIX}/metrics", headers={"Host": host}).status_code == code, host
    # The environment: loopback names by default, a list when set; `serve --host` adds its own.
    monkeypatch.delenv("ORPHANS_API_ALLOWED_HOSTS", raising=False)
    assert ApiSettings.from_env().allowed_hosts == ("127.0.0.1", "localhost", "[::1]")
    assert ApiSettings.from_env().serving_on("0.0.0.0").allowed_hosts == (
        "127.0.0.1",
        "localhost",
        "[::1]",
    )
    assert "10.0.0.5" in ApiSettings.from_env().serving_on("10.0.0.5").allowed_hosts
    monkeypatch.setenv("ORPHANS_API_ALLOWED_HOSTS", "orphans.example.org, *.ops.example")
    assert ApiSettings.from_env().allowed_hosts == ("orphans.example.org", "*.ops.example")


def test_a_nul_in_a_driver_id_is_bad_input_not_a_database_outage(client: TestClient) -> None:
    page = client.get("/orphans", params={"driver_id": "a\x00b"})
    assert page.status_code == 400 and "database" not in page.text.lower()
    assert client.get(PREFIX, params={"driver_id": "a\x00b"}).status_code == 422
    history = client.get(f"{PREFIX}/a%00b/history")
    assert history.status_code == 422


def test_control_characters_in_review_bodies_are_refused(
    client: TestClient, demo_db: Engine
) -> None:
    url = f"{PREFIX}/{quarantined_driver(demo_db)}/purge"
    before = snapshot(demo_db, TABLES)
    for body in (
        {"reviewer": "ana\n#999 by pipeline"},
        {"reviewer": "ana", "notes": "x\x1b[2Jy"},
        {"reviewer": "ana\u202e"},
    ):
        assert client.post(url, json={**body, "execute": True}, headers=AUTH).status_code == 422
    reserved = client.post(url, json={"reviewer": "Pipeline", "execute": True}, headers=AUTH)
    assert reserved.status_code == 400 and "reserved" in reserved.json()["detail"]
    assert snapshot(demo_db, TABLES) == before


def test_undo_of_a_purge_after_the_link_came_back_is_a_conflict(
    fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from orphans_pipeline import cli

    data = CT4(fresh_engine)
    person = data.driver("Q1")
    data.quarantine("Q1", person)
    body = {"reviewer": "ana", "execute": True}
    with client_for(fresh_engine) as api:
        assert api.post(f"{PREFIX}/Q1/purge", json=body, headers=AUTH).status_code == 200
        data.link(person, "drivers", "Q1")  # CT4 ingests the driver link again
        before = snapshot(fresh_engine, TABLES)
        undo = api.post(f"{PREFIX}/Q1/undo", json=body, headers=AUTH)
        assert undo.status_code == 409, undo.text
        assert "ingested since the purge" in undo.json()["detail"]
    monkeypatch.setenv("DATABASE_URL", url_of(fresh_engine))
    assert cli.main(["review", "undo", "--driver-id", "Q1", "--by", "ana", "--execute"]) == 2
    assert "ingested since the purge" in capsys.readouterr().err
    assert snapshot(fresh_engine, TABLES) == before
    assert data.quarantine_row("Q1")["status"] == "purged"


def test_run_fix_errors_name_no_server_path(demo_db: Engine, fix_env: Path, tmp_path: Path) -> None:
    with client_for(demo_db, enable_fix=True) as api:
        for output_dir in (str(tmp_path / "elsewhere"), "../../etc"):
            answer = api.post(f"{PREFIX}/run-fix", json={"output_dir": output_dir}, headers=AUTH)
            detail = answer.json()["detail"]
            assert answer.status_code == 400 and "outside the reports root" in detail
            assert str(tmp_path) not in detail and str(fix_env) not in detail, detail
            assert "/etc" not in detail and "<server path>" in detail


def test_reports_are_read_only_inside_the_reports_root(
    demo_db: Engine, fix_env: Path, tmp_path: Path
) -> None:
    """The registry's path is only a name: a path elsewhere is never opened, nor served."""
    with client_for(demo_db) as api:
        started = api.post(f"{PREFIX}/run-fix", json={"limit": 3, "full": True}, headers=AUTH)
        run_id = started.json()["run_id"]
        run = wait_for_run(api, run_id)
        assert run["drivers_total"] == 3
        secret = tmp_path / "orphans_report_20260101_000000.csv"
        secret.write_text("driver_id,person_key\nSECRET,1\n")
        (fix_env / "orphans_report_20260101_000001.csv").symlink_to(secret)
        (fix_env / "passwd.csv").write_text("driver_id\nNOT-A-REPORT\n")
        for planted in (
            "/etc/passwd",
            str(secret),
            str(fix_env / "orphans_report_20260101_000001.csv"),
            str(fix_env / "passwd.csv"),
            str(fix_env / ".." / fix_env.name / "passwd.csv"),
            f"{fix_env}/../{secret.parent.name}/{secret.name}",
        ):
            with demo_db.begin() as conn:
                conn.execute(
                    text("update orphans.runs set report_csv_path = :p where run_id = :r"),
                    {"p": planted, "r": run_id},
                )
            shown = api.get(f"{PREFIX}/runs/{run_id}")
            assert shown.status_code == 200, planted
            assert shown.json()["drivers"] == [] and shown.json()["drivers_total"] is None
            assert "SECRET" not in shown.text and "root:" not in shown.text, planted


def test_report_csv_cells_cannot_run_in_a_spreadsheet(
    fresh_engine: Engine, reports_root: Path
) -> None:
    import csv
    import json as jsonlib
    import stat

    from orphans_pipeline.api.fix_runs import _report_drivers
    from orphans_pipeline.core import reports

    hostile = ['=HYPERLINK("http://x")', "+1+2", "-3", "@SUM(A1)", "\tx", "'=quoted", "plain"]
    data = CT4(fresh_engine)
    for driver_id in hostile:
        data.driver(driver_id, match_rule="=cmd|' /C calc'!A0")
    result = run_fix(fresh_engine, fix.FixOptions(execute=False, lock_wait_seconds=5))
    with Path(result.report_csv).open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    cells = {row["driver_id"] for row in rows} | {row["creation_rule"] for row in rows}
    assert cells >= {"'" + value for value in hostile if value != "plain"} | {"plain"}
    assert "'=cmd|' /C calc'!A0" in cells
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells)
    # The JSON keeps every value as it is; the API shows the values, not the quotes.
    drivers = jsonlib.loads(Path(result.report_json).read_text())["drivers"]
    assert {d["driver_id"] for d in drivers} == set(hostile)
    shown, total = _report_drivers(result.report_csv)
    assert total == len(hostile) and {d["driver_id"] for d in shown} == set(hostile)
    assert reports.csv_cell_value("'''=x") == "''=x" and reports.csv_cell_value("'a") == "'a"
    # Owner and group only.
    for path in (result.report_csv, result.report_json):
        assert stat.S_IMODE(Path(path).stat().st_mode) & 0o007 == 0, path
