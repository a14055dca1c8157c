"""End to end in a real headless Chromium: `orphans-pipeline ui` on a test instance. Behind its
front, a page of another origin launches, deletes and terminates nothing, and without the
login nothing opens; logged in, after an execute, the UI shows the five assets and the passing
checks by their exact names, the runs, and the quarantine's catalog entry: owners, tags, table
name, row count, columns and freshness."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget
from dagster._daemon.freshness import FreshnessDaemon
from sqlalchemy import Engine, text

from orphans_pipeline.core import demo
from orphans_pipeline.defs.metadata import TABLE_COLUMNS
from orphans_pipeline.instance import REPO_ROOT
from orphans_pipeline.launch import launch_fix_job
from orphans_pipeline_tests.browser import browser_page, free_port, require_chromium, serve_app
from orphans_pipeline_tests.conftest import url_of
from orphans_pipeline_tests.test_dagster import ASSETS

CHECKS = {
    "ops_views": ("no_operational_orphans", "ops_views_exclude_quarantined_drivers"),
    "driver_orphan_quarantine": (
        "quarantine_has_audit_trail",
        "no_driver_links_recorded_without_lead",
    ),
}


@pytest.fixture
def ct4_engine(
    fresh_engine: Engine, dagster_home: Path, reports_root: Path, monkeypatch: pytest.MonkeyPatch
) -> Engine:
    return fresh_engine


TOKEN = "e2e-operators-token-4242"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def webserver(ct4_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """`orphans-pipeline ui` as an operator starts it (the front, the webserver, the daemon),
    on a free loopback port, with the operators' token set; stopped (SIGTERM) after the test."""
    fresh_engine = ct4_engine
    require_chromium()
    demo.load_demo_data(fresh_engine, 300, seed=13)
    monkeypatch.setenv("DATABASE_URL", url_of(fresh_engine))
    monkeypatch.setenv("ORPHANS_API_TOKEN", TOKEN)
    port = free_port()
    cli = str(Path(sys.executable).parent / "orphans-pipeline")
    server = subprocess.Popen(
        [cli, "ui", "--port", str(port)],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=REPO_ROOT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                request = urllib.request.Request(f"{base}/server_info", headers=BEARER)
                with urllib.request.urlopen(request, timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    _, err = server.communicate(timeout=5)
                    message = f"orphans-pipeline ui did not start: {err.decode()[-2000:]}"
                    raise RuntimeError(message) from None
                time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def logged_in(page: Any, base: str, *, required: bool = True) -> None:
    """Log in through the front's form, as an operator does (where the UI asks for it, unless
    `required`: the attack test also runs against a UI without a login, to show it fails)."""
    # The community modal would cover the graph on a first visit.
    page.add_init_script("window.localStorage.setItem('communityNux', '1')")
    page.goto(f"{base}/runs")
    if required:
        page.wait_for_url(f"{base}/_orphans/login?next=%2Fruns")
    elif "/_orphans/login" not in page.url:
        return
    page.get_by_label("Token").fill(TOKEN)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/runs")


def test_asset_graph_shows_the_assets_and_passing_checks(webserver: str) -> None:
    with dg.DagsterInstance.get() as instance:
        outcome = launch_fix_job(execute=True, limit=None, output_dir=None, instance=instance)
    assert outcome.succeeded and all(outcome.checks.values()) and len(outcome.checks) == 4

    with browser_page() as page:
        logged_in(page, webserver)
        # The group's own graph (the global lineage collapses groups once there are two).
        page.goto(f"{webserver}/locations/orphans_pipeline/asset-groups/orphans")
        for asset in sorted(ASSETS):
            page.get_by_text(asset, exact=True).first.wait_for()
        for asset, checks in CHECKS.items():
            page.goto(f"{webserver}/assets/{asset}?view=checks")
            for check in checks:
                # The list truncates long names (the full one is in a hidden measuring copy);
                # selecting the check shows its full name as the detail's heading.
                name = page.get_by_text(check, exact=True)
                name.first.wait_for(state="attached")
                name.first.locator("xpath=..").click()
                page.get_by_text(check, exact=True).filter(visible=True).first.wait_for()
                page.get_by_text("Passed", exact=True).first.wait_for()
            assert page.get_by_text("Succeeded", exact=True).count() == len(checks)
        page.goto(f"{webserver}/runs/{outcome.run_id}")
        page.get_by_text("Success", exact=True).first.wait_for()
        page.goto(f"{webserver}/runs")
        page.get_by_text(outcome.run_id[:8]).first.wait_for()


def evaluate_freshness(instance: dg.DagsterInstance) -> None:
    """One pass of the daemon's freshness evaluation (the test runs no daemon)."""
    target = WorkspaceFileTarget([str(REPO_ROOT / "workspace.yaml")])
    with WorkspaceProcessContext(instance, target) as context:
        asyncio.run(FreshnessDaemon()._evaluate_assets(context))


def test_the_quarantine_page_shows_its_catalog_entry_and_freshness(
    webserver: str, ct4_engine: Engine
) -> None:
    with dg.DagsterInstance.get() as instance:
        outcome = launch_fix_job(execute=True, limit=None, output_dir=None, instance=instance)
        assert outcome.succeeded
        evaluate_freshness(instance)
    with ct4_engine.connect() as conn:
        rows = conn.execute(text("select count(*) from canon.driver_orphan_quarantine")).scalar()
    with browser_page(viewport={"width": 1400, "height": 1800}) as page:
        logged_in(page, webserver)
        page.goto(f"{webserver}/assets/driver_orphan_quarantine")
        for label in ("Owners", "Storage", "Tags", "Row count", "Columns", "Freshness policy"):
            page.get_by_text(label, exact=True).first.wait_for()
        page.get_by_text("ct4-data", exact=True).first.wait_for()
        page.get_by_text("canon.driver_orphan_quarantine", exact=True).first.wait_for()
        page.get_by_text("domain: ct4_identity", exact=True).first.wait_for()
        page.get_by_text("layer: canon", exact=True).first.wait_for()
        page.get_by_text(str(rows), exact=True).first.wait_for()
        for column in TABLE_COLUMNS["canon.driver_orphan_quarantine"]:
            page.get_by_text(column.name, exact=True).first.wait_for()
        page.get_by_text("Fails if more than 8 days since last materialization").wait_for()
        # Evaluated: "Passing", not "Not evaluated" / "Unknown".
        page.get_by_text("Passing", exact=True).first.wait_for()


# --- no other page, and nobody without the login, can act through the UI ---------------------

LAUNCH = (
    "mutation Launch($params: ExecutionParams!) { launchPipelineExecution(executionParams: "
    "$params) { __typename ... on LaunchRunSuccess { run { runId } } } }"
)


def launch_variables(job: str, run_config: dict[str, Any]) -> dict[str, Any]:
    selector = {
        "repositoryLocationName": "orphans_pipeline",
        "repositoryName": "__repository__",
        "pipelineName": job,
    }
    return {"params": {"selector": selector, "runConfigData": run_config, "mode": "default"}}


def attack_page(ui: str, run_id: str) -> str:
    """A page of another origin that tries everything the probe of issue 23 did, with the
    browser's credentials: form posts and no-cors fetches of launch, delete and terminate
    mutations (query string, form body, JSON downgraded to text/plain), a GET mutation and a
    websocket. It titles itself "done" when every attempt has run its course."""
    fix = launch_variables("orphans_fix_job", {"execute": True})
    review = launch_variables(
        "orphans_review_job",
        {"action": "purge", "driver_id": "X", "reviewer": "attacker", "execute": True},
    )
    delete = f'mutation {{ deletePipelineRun(runId: "{run_id}") {{ __typename }} }}'
    terminate = f'mutation {{ terminateRun(runId: "{run_id}") {{ __typename }} }}'
    attempts = {
        "ui": ui,
        "launch": LAUNCH,
        "fix": json.dumps(fix),
        "review": json.dumps(review),
        "delete": delete,
        "terminate": terminate,
    }
    return """<!doctype html><html><head><title>attacking</title></head><body>
<iframe name="sink1"></iframe><iframe name="sink2"></iframe><iframe name="sink3"></iframe>
<script>
const a = ATTEMPTS;
const q = (query, variables) => a.ui + "/graphql?query=" + encodeURIComponent(query) +
  (variables ? "&variables=" + encodeURIComponent(variables) : "");
function post(target, action, fields) {
  const form = document.createElement("form");
  form.method = "POST"; form.action = action; form.target = target;
  for (const [name, value] of Object.entries(fields)) {
    const input = document.createElement("input");
    input.type = "hidden"; input.name = name; input.value = value; form.appendChild(input);
  }
  document.body.appendChild(form);
  return new Promise((done) => {
    document.querySelector(`iframe[name=${target}]`).onload = done;
    form.submit();
    setTimeout(done, 5000);
  });
}
const socket = new Promise((done) => {
  const ws = new WebSocket(a.ui.replace("http", "ws") + "/graphql", "graphql-ws");
  ws.onopen = () => { document.body.dataset.websocket = "open"; ws.close(); done(); };
  ws.onerror = () => { document.body.dataset.websocket = "refused"; done(); };
});
const opts = {method: "POST", mode: "no-cors", credentials: "include"};
Promise.allSettled([
  fetch(q(a.launch, a.fix), {...opts, body: "x"}),
  fetch(a.ui + "/graphql", {...opts, headers: {"Content-Type": "application/json"},
    body: JSON.stringify({query: a.launch, variables: JSON.parse(a.review)})}),
  fetch(q(a.delete), {mode: "no-cors", credentials: "include"}),
  fetch(q(a.terminate), {...opts, body: ""}),
  post("sink1", q(a.launch, a.fix), {x: "1"}),
  post("sink2", a.ui + "/graphql", {query: a.launch, variables: a.review}),
  post("sink3", q(a.delete), {}),
  socket,
]).then(() => { document.title = "done"; });
</script></body></html>""".replace("ATTEMPTS", json.dumps(attempts))


def run_ids(instance: dg.DagsterInstance) -> set[str]:
    return {run.run_id for run in instance.get_runs()}


def test_a_page_of_another_origin_launches_and_deletes_nothing(webserver: str) -> None:
    import httpx
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    with dg.DagsterInstance.get() as instance:
        existing = str(uuid.uuid4())
        instance.add_run(
            dg.DagsterRun(
                job_name="orphans_fix_job", run_id=existing, status=dg.DagsterRunStatus.SUCCESS
            )
        )
        page_html = attack_page(webserver, existing)
        site = Starlette(routes=[Route("/", lambda _: HTMLResponse(page_html))])
        with serve_app(site) as attacker, browser_page() as page:
            assert attacker.rsplit(":", 1)[1] != webserver.rsplit(":", 1)[1]
            # The operator is logged in: the browser holds the session, and sends it to any
            # page of this host, whatever its port (the same site for SameSite).
            logged_in(page, webserver, required=False)
            page.goto(attacker)
            page.wait_for_function("document.title === 'done'", timeout=60_000)
            websocket = page.evaluate("document.body.dataset.websocket")
        time.sleep(2)  # anything the attempts queued would have been written by now
        assert run_ids(instance) == {existing}
        assert websocket == "refused"
        # The same mutation, from a script holding the token (JSON POST, no Origin), is taken:
        # the attempts above were refused for where they came from, not for what they said.
        variables = launch_variables(
            "orphans_review_job", {"action": "purge", "driver_id": "X", "reviewer": "ana"}
        )
        answer = httpx.post(
            f"{webserver}/graphql",
            json={"query": LAUNCH, "variables": variables},
            headers=BEARER,
            timeout=60,
        )
        launched = answer.json()["data"]["launchPipelineExecution"]
        assert launched["__typename"] == "LaunchRunSuccess", answer.text
        assert run_ids(instance) == {existing, launched["run"]["runId"]}


def test_without_the_login_the_ui_opens_nothing(webserver: str) -> None:
    import httpx

    with browser_page() as page:
        page.goto(f"{webserver}/assets")
        page.wait_for_url(f"{webserver}/_orphans/login?next=%2Fassets")
        page.get_by_role("button", name="Log in").wait_for()
        page.get_by_label("Token").fill("not-the-token")
        page.get_by_role("button", name="Log in").click()
        page.get_by_text("Wrong token.").wait_for()
    query = {"query": "{ runsOrError { __typename } }"}
    assert httpx.post(f"{webserver}/graphql", json=query).status_code == 401
    assert httpx.get(f"{webserver}/server_info").status_code == 401
    rebinding = {"Host": "attacker.example", **BEARER}
    assert httpx.post(f"{webserver}/graphql", json=query, headers=rebinding).status_code == 400
