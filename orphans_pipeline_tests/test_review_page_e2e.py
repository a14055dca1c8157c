"""End to end in a real headless Chromium (Debian's, driven by Playwright): the review page's
queue, a driver's detail view, actions previewed inline and applied, undo, feedback at the row,
keyboard-only use, and the 390 px layout. Each test checks the database as well as the page.

Screenshots of the queue and the detail view at 1600 and 390 px go to ORPHANS_SCREENSHOT_DIR
when it is set (`docs/` for the README's), else to the test's temporary directory.
"""

import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from orphans_pipeline.api.app import create_app
from orphans_pipeline.api.settings import ApiSettings
from orphans_pipeline.core import demo, fix, queue, review, runs
from orphans_pipeline_tests.browser import browser_page, serve_app
from orphans_pipeline_tests.conftest import url_of
from orphans_pipeline_tests.ct4 import CT4
from orphans_pipeline_tests.pipeline_helpers import run_fix

TOKEN = "e2e-token"
PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1600, "height": 1000}


@pytest.fixture
def served(
    fresh_engine: Engine, dagster_home: Path, reports_root: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    demo.load_demo_data(fresh_engine, 300, seed=21)
    run_fix(fresh_engine, fix.FixOptions(execute=True, lock_wait_seconds=5))
    monkeypatch.setenv("DATABASE_URL", url_of(fresh_engine))
    return url_of(fresh_engine)


@pytest.fixture
def evidence_case(
    fresh_engine: Engine, dagster_home: Path, reports_root: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """The demo data plus one orphan whose lead events show every kind of candidate, then an
    execute.

    drv_case (person P, phone 987654321): an L3 event of an existing, unowned migrations lead
    (weak only: the suggestion to relink), an L2 phone event of a scouting lead that person Q
    owns (conflict), and an L1 event whose cabinet lead row does not exist.
    """
    demo.load_demo_data(fresh_engine, 300, seed=21)
    data = CT4(fresh_engine)
    person = data.person(phone="987654321", license="LIC12345", name="Rosa Quispe")
    data.driver("drv_case", person, phone="+51 987 654 321", license_number="LIC12345")
    free_lead = data.lead("module_ct_migrations", driver_id="drv_case", driver_name="Rosa Q.")
    data.event("module_ct_migrations", free_lead, {"note": "weak"}, person=person)
    owner = data.person(name="Marta Owner")
    data.driver("drv_owner", owner, phone="999111222")
    owned_lead = data.lead("module_ct_scouting_daily", driver_name="Rosa", driver_phone="987654321")
    data.link(owner, "module_ct_scouting_daily", owned_lead)
    data.event("module_ct_scouting_daily", owned_lead, {"driver_phone": "987654321"})
    data.event("module_ct_cabinet_leads", "EXT-GONE", {"driver_id": "drv_case"})
    run_fix(fresh_engine, fix.FixOptions(execute=True, lock_wait_seconds=5))
    monkeypatch.setenv("DATABASE_URL", url_of(fresh_engine))
    return {"person": person, "owner": owner, "free_lead": free_lead, "owned_lead": owned_lead}


def _app(engine: Engine) -> Any:
    return create_app(ApiSettings(api_token=TOKEN), engine=lambda: engine)


def _identify(page: Any, reviewer: str = "ana", notes: str = "revisado") -> None:
    page.get_by_test_id("reviewer").fill(reviewer)
    page.get_by_test_id("notes").fill(notes)
    page.get_by_test_id("token").fill(TOKEN)
    page.get_by_test_id("save-identity").click()


def _scalar(engine: Engine, statement: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(statement), params).scalar()


def _status(engine: Engine, driver_id: str) -> str:
    return str(
        _scalar(
            engine,
            "select status from canon.driver_orphan_quarantine where driver_id = :d",
            d=driver_id,
        )
    )


def _screenshot_dir(tmp_path: Path) -> Path:
    return Path(os.environ.get("ORPHANS_SCREENSHOT_DIR") or tmp_path)


def _no_dialogs(page: Any) -> list[str]:
    """Native dialogs would hide the preview from the page: record any, so a test can fail."""
    seen: list[str] = []

    def dismiss(dialog: Any) -> None:
        seen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return seen


def test_queue_defaults_to_quarantined_oldest_first_searches_and_clamps(
    fresh_engine: Engine, served: str
) -> None:
    expected = queue.review_queue_page(fresh_engine, status="quarantined", page_size=50)
    assert expected.total > 0
    with serve_app(_app(fresh_engine)) as base, browser_page(WIDE) as page:
        page.goto(f"{base}/orphans")
        assert page.get_by_test_id("filter-status").input_value() == "quarantined"
        statuses = page.locator("[data-testid^='status-']")
        assert set(statuses.evaluate_all("els => els.map(e => e.dataset.status)")) == {
            "quarantined"
        }
        assert set(statuses.all_inner_texts()) == {"En cuarentena"}
        rows = page.locator("tr.orphan")
        shown = rows.evaluate_all("els => els.map(e => e.dataset.driverId)")
        assert shown == [o["driver_id"] for o in expected.orphans]
        detected = [o["detected_at"] for o in expected.orphans]
        assert detected == sorted(detected)

        # Search by a name, a phone written as a person would, and an id prefix.
        target = next(o for o in expected.orphans if o["primary_phone"])
        phone = target["primary_phone"]
        page.get_by_test_id("search").fill(f"+51 {phone[:3]} {phone[3:6]} {phone[6:]}")
        page.get_by_test_id("apply-filters").click()
        page.wait_for_url("**q=**")
        assert target["driver_id"] in rows.evaluate_all("els => els.map(e => e.dataset.driverId)")
        first_name = target["primary_full_name"].split()[0].lower()
        page.get_by_test_id("search").fill(first_name)
        page.get_by_test_id("apply-filters").click()
        page.wait_for_url(f"**q={first_name}**")
        names = page.locator("tr.orphan td[data-label='Registro']").all_inner_texts()
        assert names and all(first_name in name.lower() for name in names)
        prefix = target["driver_id"][:-1]
        page.goto(f"{base}/orphans?q={prefix}")
        ids = rows.evaluate_all("els => els.map(e => e.dataset.driverId)")
        assert target["driver_id"] in ids and all(i.startswith(prefix) for i in ids)

        # Every status, a page far past the end: the last page, and it says so.
        page.goto(f"{base}/orphans?status=&page=999&page_size=25")
        total = queue.review_queue_page(fresh_engine, status=None).total
        last = -(-total // 25)
        assert page.get_by_test_id("page-info").inner_text().startswith(f"página {last} de {last}")
        assert rows.count() == total - 25 * (last - 1)


def test_dry_run_offers_the_reports_as_downloads(fresh_engine: Engine, served: str) -> None:
    with serve_app(_app(fresh_engine)) as base, browser_page(WIDE) as page:
        page.goto(f"{base}/orphans")
        _identify(page)
        page.get_by_test_id("run-dry").click()
        page.get_by_test_id("report-csv").wait_for(timeout=90_000)
        assert "Simulación: correcta (SUCCESS)" in page.get_by_test_id("run-status").inner_text()
        assert "processed" in page.get_by_test_id("run-status").inner_text()
        href = page.get_by_test_id("report-csv").get_attribute("href")
        assert href and re.fullmatch(
            r"/orphans/reports/orphans_report_\d{8}_\d{6}(_\d+)?\.csv", href
        )
        with page.expect_download() as download:
            page.get_by_test_id("report-csv").click()
        saved = Path(download.value.path())
        assert saved.read_text().startswith("driver_id,person_key,creation_rule")
        # Only a report's own name, only inside the reports root.
        for bad in ("..%2F..%2Fetc%2Fpasswd", "orphans_report_20260101_000000.csv"):
            assert page.request.get(f"{base}/orphans/reports/{bad}").status == 404


def test_detail_view_shows_the_evidence_and_relinks_from_a_suggestion_then_undoes(
    fresh_engine: Engine, evidence_case: dict[str, Any]
) -> None:
    free, owned = evidence_case["free_lead"], evidence_case["owned_lead"]
    assert _status(fresh_engine, "drv_case") == "quarantined"
    with serve_app(_app(fresh_engine)) as base, browser_page(WIDE) as page:
        dialogs = _no_dialogs(page)
        page.goto(f"{base}/orphans?q=drv_case")
        page.get_by_test_id("detail-link-drv_case").click()
        page.wait_for_url("**/orphans/drv_case")
        detail = page.get_by_test_id("detail")
        assert "Rosa Quispe" in detail.inner_text()
        assert page.get_by_test_id("driver-link-rule").inner_text() == "LEGACY_DRIVER_IMPORT"
        whys = page.locator("[data-testid^='why-']").all_inner_texts()
        assert len(whys) == 3
        assert any("fila del lead no existe" in why for why in whys)
        assert any("pertenece a otra persona" in why for why in whys)
        assert any("evidencia débil (L3)" in why for why in whys)
        owner = page.get_by_test_id(f"owner-module_ct_scouting_daily-{owned}").inner_text()
        assert "Marta Owner" in owner and "drv_owner" in owner
        assert page.get_by_test_id(f"owner-module_ct_migrations-{free}").inner_text() == "nadie"
        # Only the free lead is offered; the owned and the missing ones say why not.
        assert page.locator("[data-testid^='relink-module_ct']").count() == 1

        _identify(page, notes="el lead de migraciones es suyo")
        page.get_by_test_id(f"relink-module_ct_migrations-{free}").click()
        feedback = page.get_by_test_id("feedback-candidates")
        feedback.filter(has_text="Vista previa").wait_for()
        assert "En cuarentena → Resuelto: revinculado" in feedback.inner_text()
        assert f"module_ct_migrations/{free}" in feedback.inner_text()
        assert _status(fresh_engine, "drv_case") == "quarantined"  # a preview writes nothing
        page.get_by_test_id("apply-drv_case").click()
        feedback.filter(has_text="Aplicado").wait_for()
        assert "por ana" in feedback.inner_text()
        page.get_by_test_id("live").filter(has_text="Aplicado").wait_for()
        # Redrawn in place: the new status and the undo, the message still there.
        status = page.get_by_test_id("status-drv_case")
        assert status.get_attribute("data-status") == "resolved_relinked"
        assert page.get_by_test_id("has-lead-link").inner_text() == "sí"
        assert _status(fresh_engine, "drv_case") == "resolved_relinked"
        assert (
            _scalar(
                fresh_engine,
                "select match_rule from canon.identity_links "
                "where source_table = 'module_ct_migrations' and source_pk = :pk "
                "and person_key = :p",
                pk=free,
                p=evidence_case["person"],
            )
            == "MANUAL_RELINK"
        )

        undo = page.get_by_test_id("undo-drv_case")
        assert undo.get_attribute("aria-label") == "Deshacer revincular del conductor drv_case"
        undo.click()
        box = page.get_by_test_id("feedback-drv_case")
        box.filter(has_text="Vista previa").wait_for()
        assert "Resuelto: revinculado → En cuarentena" in box.inner_text()
        assert "se borra el vínculo de lead" in box.inner_text()
        page.get_by_test_id("apply-drv_case").click()
        box.filter(has_text="Aplicado").wait_for()
        assert page.get_by_test_id("status-drv_case").get_attribute("data-status") == (
            "quarantined"
        )
        history = page.get_by_test_id("history").inner_text()
        assert "revincular" in history and "deshacer" in history and "ana" in history
    assert dialogs == []
    assert _status(fresh_engine, "drv_case") == "quarantined"
    assert (
        _scalar(
            fresh_engine,
            "select count(*) from canon.identity_links "
            "where source_table = 'module_ct_migrations' and source_pk = :pk",
            pk=free,
        )
        == 0
    )


def test_purge_from_the_queue_says_what_is_true_stays_at_the_row_and_undoes(
    fresh_engine: Engine, served: str
) -> None:
    with serve_app(_app(fresh_engine)) as base, browser_page(WIDE) as page:
        dialogs = _no_dialogs(page)
        page.goto(f"{base}/orphans")
        quarantined = int(page.get_by_test_id("metric-quarantined").inner_text())
        driver = page.locator("tr.orphan").nth(2).get_attribute("data-driver-id")
        assert driver
        _identify(page)
        purge = page.get_by_test_id(f"purge-{driver}")
        assert purge.get_attribute("aria-label") == f"Purgar al conductor {driver}"
        purge.click()
        box = page.get_by_test_id(f"feedback-{driver}")
        box.filter(has_text="Vista previa").wait_for()
        said = box.inner_text()
        assert "En cuarentena → Purgado" in said
        assert "Deshacer puede restaurarlo" in said and "final" not in said
        page.get_by_test_id(f"apply-{driver}").click()
        box.filter(has_text="Aplicado").wait_for()
        # No reload: the row is still here with its new state and the message beside it.
        row = page.get_by_test_id(f"row-{driver}")
        assert row.is_visible() and box.is_visible()
        assert page.get_by_test_id(f"status-{driver}").get_attribute("data-status") == "purged"
        metric = page.get_by_test_id("metric-quarantined")
        metric.filter(has_text=re.compile(f"^{quarantined - 1}$")).wait_for()
        assert _status(fresh_engine, driver) == "purged"

        page.get_by_test_id(f"undo-{driver}").click()
        box.filter(has_text="se restaura el vínculo del conductor").wait_for()
        page.get_by_test_id(f"apply-{driver}").click()
        box.filter(has_text="Aplicado").wait_for()
        assert page.get_by_test_id(f"status-{driver}").get_attribute("data-status") == (
            "quarantined"
        )
        metric.filter(has_text=re.compile(f"^{quarantined}$")).wait_for()
    assert dialogs == []
    assert _status(fresh_engine, driver) == "quarantined"
    assert (
        _scalar(
            fresh_engine,
            "select count(*) from canon.identity_links "
            "where source_table = 'drivers' and source_pk = :d",
            d=driver,
        )
        == 1
    )


def test_an_error_on_a_low_row_is_shown_at_that_row(fresh_engine: Engine, served: str) -> None:
    with serve_app(_app(fresh_engine)) as base, browser_page(WIDE) as page:
        page.goto(f"{base}/orphans?page_size=100")
        rows = page.locator("tr.orphan")
        driver = rows.last.get_attribute("data-driver-id")
        low = rows.last.bounding_box()
        viewport = page.viewport_size
        assert driver and low and viewport
        assert low["y"] > 1.5 * viewport["height"]  # far below the top of the page
        # Someone else decides this driver after the page was drawn.
        review.review(
            fresh_engine, "purge", driver_id=driver, reviewer="luis", notes="", execute=True
        )
        _identify(page)
        page.get_by_test_id(f"purge-{driver}").click()
        box = page.get_by_test_id(f"feedback-{driver}")
        box.filter(has_text="rechazado").wait_for()
        assert "(400, petición rechazada)" in box.inner_text() and "is purged" in box.inner_text()
        assert "bad" in (box.get_attribute("class") or "")
        # In the viewport, right under the row it is about.
        row_box, message_box = rows.last.bounding_box(), box.bounding_box()
        assert row_box and message_box and viewport
        top, bottom = message_box["y"], message_box["y"] + message_box["height"]
        assert top >= 0 and bottom <= viewport["height"]
        assert 0 <= top - (row_box["y"] + row_box["height"]) < 40
        assert page.evaluate("window.scrollY") > viewport["height"] / 2
        page.get_by_test_id("live").filter(has_text="rechazado").wait_for()


STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'"


def _with_strict_csp(page: Any) -> list[str]:
    """Serve every response with a strict Content-Security-Policy (no inline script, handler or
    style); return the console's CSP violations, so a test can assert there are none."""

    def add_policy(route: Any) -> None:
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": STRICT_CSP}
        route.fulfill(response=response, headers=headers)

    page.route("**/*", add_policy)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def test_keyboard_only_create_lead_under_a_strict_csp(fresh_engine: Engine, served: str) -> None:
    with serve_app(_app(fresh_engine)) as base, browser_page(WIDE) as page:
        violations = _with_strict_csp(page)
        page.goto(f"{base}/orphans")
        driver = page.locator("tr.orphan").first.get_attribute("data-driver-id")
        target = f"create-lead-{driver}"

        def focused() -> str:
            return str(page.evaluate("document.activeElement.dataset.testid || ''"))

        for _ in range(5):
            page.keyboard.press("Tab")
            if focused() == "reviewer":
                break
        assert focused() == "reviewer"
        page.keyboard.type("ana")
        page.keyboard.press("Tab")
        page.keyboard.type("teclado")
        page.keyboard.press("Tab")
        page.keyboard.type(TOKEN)
        page.keyboard.press("Enter")  # submits the identity form: saved for the tab
        page.get_by_test_id("live").filter(has_text="guardados").wait_for()
        for _ in range(60):
            page.keyboard.press("Tab")
            if focused() == target:
                break
        assert focused() == target
        page.keyboard.press("Enter")
        page.get_by_test_id(f"feedback-{driver}").filter(has_text="Vista previa").wait_for()
        assert focused() == f"apply-{driver}"  # the preview takes the focus to its Aplicar
        page.keyboard.press("Enter")
        page.get_by_test_id(f"feedback-{driver}").filter(has_text="Aplicado").wait_for()
        assert focused() == f"feedback-{driver}"
        assert page.get_by_test_id(f"status-{driver}").get_attribute("data-status") == (
            "resolved_created_lead"
        )
    assert violations == []
    assert _status(fresh_engine, driver) == "resolved_created_lead"


def _contrast(foreground: str, background: str) -> float:
    def luminance(css: str) -> float:
        red, green, blue = (int(v) / 255 for v in re.findall(r"\d+", css)[:3])

        def channel(c: float) -> float:
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_phone_width_layout_contrast_and_screenshots(
    fresh_engine: Engine, evidence_case: dict[str, Any], tmp_path: Path
) -> None:
    shots = _screenshot_dir(tmp_path)
    with serve_app(_app(fresh_engine)) as base:
        with browser_page(PHONE) as page:
            page.goto(f"{base}/orphans")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"]
            token = page.get_by_test_id("token").bounding_box()
            assert token and token["x"] >= 0 and token["x"] + token["width"] <= PHONE["width"]
            first = page.locator("tr.orphan").first
            driver = first.get_attribute("data-driver-id")
            row = first.bounding_box()
            purge = page.get_by_test_id(f"purge-{driver}").bounding_box()
            assert row and purge
            # The action sits inside the card of the driver it acts on, on screen.
            assert row["y"] <= purge["y"] <= row["y"] + row["height"]
            assert purge["x"] + purge["width"] <= PHONE["width"]
            page.evaluate("document.getElementById('queue-title').scrollIntoView()")
            page.screenshot(path=str(shots / "review_page_queue_390.png"))
            page.goto(f"{base}/orphans/drv_case")
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            page.screenshot(path=str(shots / "review_page_detail_390.png"), full_page=True)

            # WCAG AA: 4.5:1 for the badges, muted text and buttons, on their backgrounds.
            pairs = page.evaluate(
                """() => {
                  const probe = (cls, tag) => {
                    const el = document.createElement(tag || 'span');
                    el.className = cls; el.textContent = 'x';
                    document.querySelector('main').append(el);
                    const s = getComputedStyle(el);
                    let bg = s.backgroundColor, node = el;
                    while (bg === 'rgba(0, 0, 0, 0)' && node.parentElement) {
                      node = node.parentElement; bg = getComputedStyle(node).backgroundColor;
                    }
                    return [cls, s.color, bg];
                  };
                  return [
                    probe('status status-quarantined'), probe('status status-purged'),
                    probe('status status-resolved_relinked'),
                    probe('status status-resolved_created_lead'), probe('muted'),
                    probe('danger', 'button'), probe('secondary', 'button'), probe('', 'button'),
                    probe('feedback bad', 'div'), probe('feedback good', 'div'),
                  ];
                }"""
            )
        for name, color, background in pairs:
            assert _contrast(color, background) >= 4.5, (name, color, background)

        with browser_page(WIDE) as page:
            page.goto(f"{base}/orphans")
            assert page.evaluate("document.documentElement.scrollWidth") <= WIDE["width"]
            # With a preview open at its row, as a reviewer sees it before applying.
            _identify(page)
            second = page.locator("tr.orphan").nth(1).get_attribute("data-driver-id")
            page.get_by_test_id(f"purge-{second}").click()
            page.get_by_test_id(f"feedback-{second}").filter(has_text="Vista previa").wait_for()
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(shots / "review_page_queue_1600.png"))
            page.goto(f"{base}/orphans/drv_case")
            page.screenshot(path=str(shots / "review_page_detail_1600.png"), full_page=True)


def test_reports_are_only_served_from_the_reports_root(
    fresh_engine: Engine, reports_root: Path, tmp_path: Path
) -> None:
    inside = reports_root / "sub" / "orphans_report_20260101_010101.csv"
    inside.parent.mkdir()
    inside.write_text("driver_id\n")
    outside = tmp_path / "orphans_report_20260101_020202.csv"
    outside.write_text("secret\n")
    (reports_root / outside.name).symlink_to(outside)
    linked = reports_root / "orphans_report_20260101_030303.csv"
    linked.symlink_to(inside)  # a link, even to a report inside the root, is not followed
    # Reports are looked up by name in the run registry: each of these is a run's report path.
    for number, path in enumerate((inside, outside, reports_root / outside.name, linked)):
        run_id = f"run-{number}"
        runs.register_run(fresh_engine, run_id, execute=False, limit=None, output_dir=None)
        json_path = str(path.with_suffix(".json"))
        runs.record_results(fresh_engine, run_id, stats={}, report_paths=(json_path, str(path)))
    from fastapi.testclient import TestClient

    with TestClient(_app(fresh_engine)) as client:
        found = client.get(f"/orphans/reports/{inside.name}")
        assert found.status_code == 200 and found.text == "driver_id\n"
        assert "attachment" in found.headers["content-disposition"]
        assert client.get(f"/orphans/reports/{outside.name}").status_code == 404
        assert client.get(f"/orphans/reports/{linked.name}").status_code == 404
        assert client.get("/orphans/reports/notes.txt").status_code == 404


def test_queue_search_reads_the_normalised_phone_and_license(fresh_engine: Engine) -> None:
    data = CT4(fresh_engine)
    person = data.person(name="Ana Search")
    data.driver("drv_s1", person, phone="0051-912 345 678", license_number="q-0012 34")
    data.quarantine("drv_s1", person, detected_at=datetime(2026, 5, 1))
    other = data.person(name="Otro")
    data.driver("drv_s2", other, phone="912345679", license_number="Q001235")
    data.quarantine("drv_s2", other, detected_at=datetime(2026, 4, 1))

    def ids(search: str, sort: str = "oldest") -> list[str]:
        page = queue.review_queue_page(fresh_engine, search=search, sort=sort)
        return [o["driver_id"] for o in page.orphans]

    assert ids("912345678") == ["drv_s1"]
    assert ids("+51 912-345-678") == ["drv_s1"]
    assert ids("Q0012-34") == ["drv_s1"]
    assert ids("ana sea") == ["drv_s1"]
    assert ids("drv_s") == ["drv_s2", "drv_s1"]  # oldest detection first
    assert ids("drv_s", "newest") == ["drv_s1", "drv_s2"]
    assert ids("drv%") == [] and ids("drv_s_") == []  # LIKE's wildcards are literal
    assert ids("1234") == []  # too short to be a phone or a license: none never matches


def test_a_server_that_asks_a_token_for_reads_opens_once_it_is_saved(
    fresh_engine: Engine, reports_root: Path
) -> None:
    data = CT4(fresh_engine)
    data.quarantine("drv_locked", data.driver("drv_locked"))
    settings = ApiSettings(api_token=TOKEN, read_requires_token=True)
    app = create_app(settings, engine=lambda: fresh_engine)
    with serve_app(app) as base, browser_page(WIDE) as page:
        first = page.goto(f"{base}/orphans")
        assert first is not None and first.status == 401
        assert page.get_by_test_id("orphans-table").count() == 0
        _identify(page)
        page.get_by_test_id("live").filter(has_text="guardados").wait_for()
        again = page.goto(f"{base}/orphans")
        assert again is not None and again.status == 200
        assert page.get_by_test_id("row-drv_locked").is_visible()
        detail = page.goto(f"{base}/orphans/drv_locked")
        assert detail is not None and detail.status == 200
        assert page.get_by_test_id("history").is_visible()
