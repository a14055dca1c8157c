"""End to end in a real headless Chromium: the review page loads, filters, runs a dry run,
and purges a quarantined driver, whose status then changes on the page and in the database."""

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from orphans_pipeline.api.app import create_app
from orphans_pipeline.api.settings import ApiSettings
from orphans_pipeline.core import demo, fix
from orphans_pipeline_tests.browser import browser_page, serve_app
from orphans_pipeline_tests.conftest import url_of
from orphans_pipeline_tests.pipeline_helpers import run_fix

TOKEN = "e2e-token"


@pytest.fixture
def served(
    fresh_engine: Engine, dagster_home: Path, reports_root: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    demo.load_demo_data(fresh_engine, 300, seed=21)
    run_fix(fresh_engine, fix.FixOptions(execute=True, lock_wait_seconds=5))
    monkeypatch.setenv("DATABASE_URL", url_of(fresh_engine))
    return url_of(fresh_engine)


def test_filter_dry_run_and_purge_in_a_real_browser(fresh_engine: Engine, served: str) -> None:
    app = create_app(ApiSettings(api_token=TOKEN), engine=lambda: fresh_engine)
    with serve_app(app) as base, browser_page() as page:
        page.goto(f"{base}/orphans")
        quarantined = int(page.get_by_test_id("metric-quarantined").inner_text())
        assert quarantined > 0

        page.get_by_test_id("filter-status").select_option("quarantined")
        page.get_by_test_id("apply-filters").click()
        page.wait_for_url("**status=quarantined**")
        rows = page.locator("[data-testid^='row-']")
        assert rows.count() == min(50, quarantined)
        statuses = page.locator("[data-testid^='status-']").all_inner_texts()
        assert set(statuses) == {"quarantined"}
        driver = rows.first.get_attribute("data-driver-id")
        assert driver

        page.get_by_test_id("reviewer").fill("ana")
        page.get_by_test_id("notes").fill("no such driver at the fleet")
        page.get_by_test_id("token").fill(TOKEN)
        page.get_by_test_id("save-identity").click()

        page.get_by_test_id("run-dry").click()
        page.get_by_test_id("run-status").filter(has_text="processed").wait_for(timeout=60_000)
        assert "DRY RUN: SUCCESS" in page.get_by_test_id("run-status").inner_text()

        dialogs: list[str] = []

        def accept(dialog: object) -> None:
            dialogs.append(dialog.message)  # type: ignore[attr-defined]
            dialog.accept()  # type: ignore[attr-defined]

        page.on("dialog", accept)
        page.get_by_test_id(f"purge-{driver}").click()
        page.get_by_test_id("message").filter(has_text="purged by ana").wait_for()
        assert dialogs and "quarantined → purged" in dialogs[0]
        page.wait_for_load_state("load")

        page.goto(f"{base}/orphans?driver_id={driver}")
        assert page.get_by_test_id(f"status-{driver}").inner_text() == "purged"
        assert int(page.get_by_test_id("metric-quarantined").inner_text()) == quarantined - 1

    with fresh_engine.connect() as conn:
        status = conn.execute(
            text("select status from canon.driver_orphan_quarantine where driver_id = :d"),
            {"d": driver},
        ).scalar_one()
    assert status == "purged"
