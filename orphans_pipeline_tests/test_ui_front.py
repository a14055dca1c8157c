"""The Dagster UI's front, request by request, around a stand-in for the webserver that records
what reaches it: credentials, same-origin writes, GraphQL mutations only by JSON POST, the
Host check, the login and its session cookie. (test_dagster_ui_e2e.py drives the real UI.)"""

import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from orphans_pipeline.api import ui_front
from orphans_pipeline.api.ui_front import (
    LOGIN_PATH,
    SESSION_COOKIE,
    UiSettings,
    session_valid,
    session_value,
)

TOKEN = "operators-token-0123456789"
ORIGIN = "http://testserver"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
MUTATION = 'mutation { deletePipelineRun(runId: "R1") { __typename } }'


class Webserver:
    """Stands in for Dagster's app: answers, and remembers every request that reached it."""

    def __init__(self) -> None:
        self.reached: list[tuple[str, str]] = []

        async def graphql(request: Request) -> JSONResponse:
            self.reached.append((request.method, request.url.path))
            return JSONResponse({"data": {}})

        async def page(request: Request) -> HTMLResponse:
            self.reached.append((request.method, request.url.path))
            return HTMLResponse(
                "<html>ui</html>", headers={"Content-Security-Policy": "base-uri 'none';"}
            )

        async def report(request: Request) -> JSONResponse:
            self.reached.append((request.method, request.url.path))
            return JSONResponse({})

        async def socket(websocket: WebSocket) -> None:
            self.reached.append(("WS", websocket.url.path))
            await websocket.accept()
            await websocket.send_json({"ok": True})
            await websocket.close()

        self.app = Starlette(
            routes=[
                Route("/graphql", graphql, methods=["GET", "POST"]),
                WebSocketRoute("/graphql", socket),
                Route("/report_asset_materialization/{key:path}", report, methods=["POST"]),
                Route("/{path:path}", page),
            ]
        )


@pytest.fixture
def webserver() -> Webserver:
    return Webserver()


def client_for(webserver: Webserver, token: str | None = TOKEN, **settings: Any) -> TestClient:
    front = ui_front.ui_front(
        webserver.app,
        UiSettings(token=token, allowed_hosts=("127.0.0.1", "testserver"), **settings),
    )
    return TestClient(front, follow_redirects=False)


@pytest.fixture
def client(webserver: Webserver) -> Iterator[TestClient]:
    with client_for(webserver) as client:
        yield client


def websocket_refused(client: TestClient, headers: dict[str, str]) -> bool:
    """Whether the websocket handshake to /graphql is refused (closed before it is accepted)."""
    try:
        with client.websocket_connect("/graphql", headers=headers) as socket:
            socket.receive_json()
    except WebSocketDisconnect:
        return True
    return False


def log_in(client: TestClient) -> None:
    answer = client.post(
        LOGIN_PATH, data={"token": TOKEN, "next": "/runs"}, headers={"Origin": ORIGIN}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/runs"
    cookie = answer.headers["set-cookie"]
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"):
        assert attribute in cookie
    assert TOKEN not in cookie


def test_without_a_token_configured_everything_is_refused_with_how_to_set_it(
    webserver: Webserver,
) -> None:
    with client_for(webserver, token=None) as client:
        for method, path in (("GET", "/"), ("GET", LOGIN_PATH), ("POST", "/graphql")):
            answer = client.request(method, path, headers={"Origin": ORIGIN, **BEARER})
            assert answer.status_code == 403
            assert "ORPHANS_API_TOKEN" in answer.text and "restart" in answer.text
        assert websocket_refused(client, BEARER)
    assert webserver.reached == []


def test_without_credentials_nothing_reaches_the_webserver(
    client: TestClient, webserver: Webserver
) -> None:
    page = client.get("/runs?x=1", headers={"Accept": "text/html"})
    assert page.status_code == 303
    assert page.headers["location"] == f"{LOGIN_PATH}?next=%2Fruns%3Fx%3D1"
    assert client.post("/graphql", json={"query": "{ version }"}).status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert client.post("/graphql", json={"query": "{ version }"}, headers=wrong).status_code == 401
    # The review page's read cookie is no session here, nor is a forged or expired one.
    for forged in ("1", f"{int(time.time()) + 60}.00", session_value(TOKEN, int(time.time()) - 1)):
        client.cookies.set(SESSION_COOKIE, forged)
        assert client.get("/runs", headers={"Accept": "application/json"}).status_code == 401
    assert webserver.reached == []


def test_the_login_sets_a_session_that_opens_the_ui(
    client: TestClient, webserver: Webserver
) -> None:
    form = client.get(f"{LOGIN_PATH}?next=/assets")
    assert form.status_code == 200 and "type='password'" in form.text
    assert "frame-ancestors 'none'" in form.headers["content-security-policy"]
    wrong = client.post(LOGIN_PATH, data={"token": "guess"}, headers={"Origin": ORIGIN})
    assert wrong.status_code == 401 and "set-cookie" not in wrong.headers
    log_in(client)
    # Another application's cookie on the same host, one the standard parser chokes on.
    client.cookies.set("other_app", 'a"b[c')
    page = client.get("/runs")
    assert page.status_code == 200 and page.headers["x-frame-options"] == "DENY"
    assert page.headers["content-security-policy"] == "base-uri 'none'; frame-ancestors 'none'"
    assert client.post("/graphql", json={"query": MUTATION}, headers={"Origin": ORIGIN}).is_success
    assert webserver.reached == [("GET", "/runs"), ("POST", "/graphql")]
    logout = client.post("/_orphans/logout", headers={"Origin": ORIGIN})
    assert logout.status_code == 303 and "Max-Age=0" in logout.headers["set-cookie"]


def test_the_session_expires_and_is_bound_to_the_token() -> None:
    value = session_value(TOKEN, 2_000)
    assert session_valid(TOKEN, value, now=1_999)
    assert not session_valid(TOKEN, value, now=2_000)
    assert not session_valid("another-token", value, now=1_999)
    assert not session_valid(TOKEN, value.replace("2000.", "9999."), now=1_999)


def test_a_login_from_another_site_or_to_another_site_is_refused(client: TestClient) -> None:
    for origin in (None, "http://evil.example", "null", "http://testserver:8080"):
        headers = {"Origin": origin} if origin else {}
        answer = client.post(LOGIN_PATH, data={"token": TOKEN}, headers=headers)
        assert answer.status_code == 403 and "set-cookie" not in answer.headers
    for target in (
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/\t/evil.example",
    ):
        answer = client.post(
            LOGIN_PATH, data={"token": TOKEN, "next": target}, headers={"Origin": ORIGIN}
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_state_changes_come_only_from_the_uis_own_origin(
    client: TestClient, webserver: Webserver
) -> None:
    log_in(client)
    foreign = ("http://127.0.0.1:9999", "http://evil.example", "null")
    for origin in foreign:
        for path in ("/graphql", "/report_asset_materialization/ops_views"):
            answer = client.post(path, json={"query": MUTATION}, headers={"Origin": origin})
            assert answer.status_code == 403, (origin, path)
    # A cookie without an Origin (no browser sends that) is not enough; the bearer header is.
    assert client.post("/graphql", json={"query": MUTATION}).status_code == 403
    client.cookies.clear()
    assert client.post("/graphql", json={"query": MUTATION}, headers=BEARER).is_success
    assert webserver.reached == [("POST", "/graphql")]


def test_graphql_mutates_only_from_a_json_post(client: TestClient, webserver: Webserver) -> None:
    log_in(client)
    own = {"Origin": ORIGIN}
    for content_type in ("application/x-www-form-urlencoded", "text/plain", "application/graphql"):
        answer = client.post(
            f"/graphql?query={MUTATION}",
            content=b"query=" + MUTATION.encode(),
            headers={**own, "Content-Type": content_type},
        )
        assert answer.status_code == 415, content_type
    assert client.get("/graphql", params={"query": MUTATION}).status_code == 405
    assert client.get("/graphql", params={"query": "subscription { x }"}).status_code == 405
    assert client.get("/graphql", params={"query": "query { "}).status_code == 400
    assert webserver.reached == []
    assert client.get("/graphql", params={"query": "{ version }"}).is_success
    assert client.post("/graphql", json={"query": MUTATION}, headers=own).is_success
    assert webserver.reached == [("GET", "/graphql"), ("POST", "/graphql")]


def test_the_websocket_needs_credentials_and_the_uis_own_origin(
    client: TestClient, webserver: Webserver
) -> None:
    for headers in ({"Origin": ORIGIN}, {"Origin": "http://evil.example", **BEARER}):
        assert websocket_refused(client, headers)
    log_in(client)
    assert websocket_refused(client, {"Origin": "http://evil.example"})
    assert webserver.reached == []
    with client.websocket_connect("/graphql", headers={"Origin": ORIGIN}) as socket:
        assert socket.receive_json() == {"ok": True}
    assert webserver.reached == [("WS", "/graphql")]


def test_another_host_name_is_refused(client: TestClient, webserver: Webserver) -> None:
    answer = client.get("/server_info", headers={"Host": "evil.example", **BEARER})
    assert answer.status_code == 400 and "ORPHANS_API_ALLOWED_HOSTS" in answer.text
    foreign = {"Host": "evil.example", "Origin": "http://evil.example", **BEARER}
    assert websocket_refused(client, foreign)
    assert webserver.reached == []


def test_the_ui_answers_the_apis_host_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORPHANS_API_TOKEN", TOKEN)
    monkeypatch.setenv("ORPHANS_API_ALLOWED_HOSTS", "dagster.ct4.internal")
    settings = UiSettings.from_env("127.0.0.1")
    assert settings.token == TOKEN
    assert settings.allowed_hosts == ("dagster.ct4.internal", "127.0.0.1")
    monkeypatch.delenv("ORPHANS_API_ALLOWED_HOSTS")
    assert UiSettings.from_env("0.0.0.0").allowed_hosts == ("127.0.0.1", "localhost", "[::1]")
