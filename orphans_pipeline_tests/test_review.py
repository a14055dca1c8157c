"""Review actions: each action, each refusal (writing nothing), history, undo, bulk, the
Dagster review job and the CLI."""

import json
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import Engine

from orphans_pipeline import cli
from orphans_pipeline.core import queue, review, schema
from orphans_pipeline.definitions import build_definitions
from orphans_pipeline.defs.resources import CT4Database
from orphans_pipeline_tests.ct4 import CT4, snapshot
from orphans_pipeline_tests.pipeline_helpers import run_fix

TABLES = schema.CT4_TABLES + schema.OWNED_TABLES
SCOUTING, MIGRATIONS = "module_ct_scouting_daily", "module_ct_migrations"

pytestmark = pytest.mark.usefixtures("reports_root")


@pytest.fixture(params=("subset", "real"))
def flavor(request: pytest.FixtureRequest) -> str:
    """The project's subset and CT4 as its migrations build it; CT4's views change nothing
    here (test_real_ct4.py runs the whole path without them too)."""
    return str(request.param)


@pytest.fixture
def ct4(flavored_engine: Engine) -> CT4:
    """Every review on the project's subset and on CT4 as it really is."""
    data = CT4(flavored_engine)
    for driver_id in ("Q1", "Q2", "Q3"):
        data.quarantine(driver_id, data.driver(driver_id))
    return data


def act(ct4: CT4, action: str, driver_id: str = "Q1", execute: bool = True, **kwargs):
    kwargs.setdefault("notes", "checked with the fleet")
    return review.review(
        ct4.engine,
        action,
        driver_id=driver_id,
        reviewer=kwargs.pop("reviewer", "ana"),
        execute=execute,
        lock_wait_seconds=5,
        **kwargs,
    )


def test_relink_preview_writes_nothing_then_execute_links(ct4: CT4) -> None:
    pk = ct4.lead(SCOUTING)
    before = snapshot(ct4.engine, TABLES)
    preview = act(ct4, "relink", source_table=SCOUTING, source_pk=pk, execute=False)
    assert (preview.executed, preview.to_status) == (False, "resolved_relinked")
    assert snapshot(ct4.engine, TABLES) == before
    done = act(ct4, "relink", source_table=SCOUTING, source_pk=pk)
    person = ct4.quarantine_row("Q1")["person_key"]
    [link] = ct4.lead_links(person)
    assert (link["match_rule"], link["source_pk"], link["id"]) == (
        "MANUAL_RELINK",
        pk,
        done.details["link_id"],
    )
    row = ct4.quarantine_row("Q1")
    assert row["status"] == "resolved_relinked" and row["resolved_at"] is not None
    assert "ana" in row["resolution_notes"]
    last = ct4.history("Q1")[-1]
    assert (last["from_status"], last["to_status"], last["actor"], last["run_id"]) == (
        "quarantined",
        "resolved_relinked",
        "ana",
        None,
    )
    assert last["notes"] == "checked with the fleet"
    assert last["evidence"]["action"] == "relink"


def test_create_lead_makes_lead_event_and_link(ct4: CT4) -> None:
    done = act(ct4, "create-lead")
    person = ct4.quarantine_row("Q1")["person_key"]
    [link] = ct4.lead_links(person)
    assert (link["match_rule"], link["source_table"]) == ("MANUAL_CREATED_LEAD", MIGRATIONS)
    [lead] = ct4.rows(f"public.{MIGRATIONS}", id=done.details["lead_id"])
    assert lead["driver_id"] == "Q1"
    [event] = ct4.rows("observational.lead_events", id=done.details["event_id"])
    assert (event["source_pk"], event["person_key"]) == (str(lead["id"]), person)
    assert ct4.quarantine_row("Q1")["status"] == "resolved_created_lead"
    # the pipeline agrees: the driver is no longer an orphan
    assert run_fix(ct4.engine).stats["processed"] == 2


@pytest.mark.usefixtures("reports_root")
def test_purge_deletes_the_driver_link_keeps_it_in_history_and_is_final(ct4: CT4) -> None:
    [driver_link] = ct4.rows("canon.identity_links", source_pk="Q1")
    act(ct4, "purge")
    assert ct4.rows("canon.identity_links", source_pk="Q1") == []
    kept = ct4.history("Q1")[-1]["evidence"]["deleted_driver_link"]
    assert kept["id"] == driver_link["id"] and kept["match_rule"] == driver_link["match_rule"]
    run_fix(ct4.engine)
    assert ct4.quarantine_row("Q1")["status"] == "purged"


@pytest.mark.parametrize(
    ("action", "kwargs", "message"),
    [
        ("purge", {"driver_id": "NOPE"}, "not in the quarantine table"),
        ("relink", {"source_table": SCOUTING, "source_pk": "999"}, "does not exist"),
        ("relink", {"source_table": "drivers", "source_pk": "Q2"}, "not a lead table"),
        ("purge", {"reviewer": "  "}, "reviewer name is empty"),
        ("purge", {"driver_id": ""}, "driver id is empty"),
        ("explode", {}, "unknown action"),
    ],
)
def test_invalid_requests_are_refused_and_write_nothing(ct4: CT4, action, kwargs, message):
    before = snapshot(ct4.engine, TABLES)
    with pytest.raises(review.ReviewRefused, match=message):
        act(ct4, action, **kwargs)
    assert snapshot(ct4.engine, TABLES) == before


def test_relink_never_takes_a_lead_from_its_owner(ct4: CT4) -> None:
    pk = ct4.lead(SCOUTING)
    ct4.link(ct4.person(), SCOUTING, pk)
    before = snapshot(ct4.engine, TABLES)
    with pytest.raises(review.ReviewRefused, match="never taken from its owner"):
        act(ct4, "relink", source_table=SCOUTING, source_pk=pk)
    assert snapshot(ct4.engine, TABLES) == before


def test_actions_need_a_quarantined_driver(ct4: CT4) -> None:
    act(ct4, "purge")
    for action in ("purge", "create-lead"):
        with pytest.raises(review.ReviewRefused, match="purged"):
            act(ct4, action)


def test_undo_relink_and_create_lead(ct4: CT4) -> None:
    before = snapshot(
        ct4.engine, ("canon.identity_links", "observational.lead_events", f"public.{MIGRATIONS}")
    )
    act(ct4, "relink", source_table=SCOUTING, source_pk=ct4.lead(SCOUTING))
    act(ct4, "undo", notes="wrong lead")
    act(ct4, "create-lead", driver_id="Q2")
    act(ct4, "undo", driver_id="Q2")
    after = snapshot(
        ct4.engine, ("canon.identity_links", "observational.lead_events", f"public.{MIGRATIONS}")
    )
    assert after["canon.identity_links"] == before["canon.identity_links"]
    assert after[f"public.{MIGRATIONS}"] == before[f"public.{MIGRATIONS}"]
    for driver_id in ("Q1", "Q2"):
        assert ct4.quarantine_row(driver_id)["status"] == "quarantined"
        assert ct4.quarantine_row(driver_id)["resolved_at"] is None
        assert [h["to_status"] for h in ct4.history(driver_id)][-1] == "quarantined"
    with pytest.raises(review.ReviewRefused, match="not a review action"):
        act(ct4, "undo", driver_id="Q1")  # an undo is not undone


def test_undo_purge_restores_the_exact_link(ct4: CT4) -> None:
    before = ct4.rows("canon.identity_links", source_pk="Q3")
    act(ct4, "purge", driver_id="Q3")
    act(ct4, "undo", driver_id="Q3")
    assert ct4.rows("canon.identity_links", source_pk="Q3") == before
    assert ct4.quarantine_row("Q3")["status"] == "quarantined"


def test_undo_refuses_a_pipeline_transition(ct4: CT4) -> None:
    with pytest.raises(review.ReviewRefused, match="not a review action"):
        act(ct4, "undo")


def test_the_page_offers_undo_exactly_when_the_core_accepts_it(ct4: CT4) -> None:
    """One test of "the last transition is a reviewer's decision" (review_decision), read by
    the undo action, the detail view and the queue's rows alike: a relink is undoable
    everywhere; a row a run wrote (a run id, whoever it names) nowhere."""
    pk = ct4.lead(SCOUTING)
    act(ct4, "relink", driver_id="Q1", source_table=SCOUTING, source_pk=pk)

    def offered(driver_id: str) -> tuple[bool, bool]:
        detail = queue.driver_detail(ct4.engine, driver_id)
        [row] = queue.review_queue_page(ct4.engine, status=None, driver_id=driver_id).orphans
        assert detail is not None
        return detail["is_undoable"], row["is_undoable"]

    assert offered("Q1") == (True, True)
    assert offered("Q2") == (False, False)  # its last transition is the run's
    # A decision-looking row a run wrote (as only the owner can, bypassing the trigger's
    # actor): the core refuses to undo it, so neither the detail nor the queue offers it.
    history = ct4.table("canon.driver_orphan_quarantine_history")
    with ct4.engine.begin() as conn:
        conn.execute(
            history.insert().values(
                driver_id="Q2",
                from_status="quarantined",
                to_status="quarantined",
                actor="ana",
                run_id="a-run",
                evidence={"action": "purge"},
            )
        )
    assert offered("Q2") == (False, False)
    with pytest.raises(review.ReviewRefused, match="not a review action"):
        act(ct4, "undo", driver_id="Q2")


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("driver_id,action,source_table,source_pk,notes\n" + "\n".join(rows) + "\n")
    return path


def test_bulk_is_all_or_nothing(ct4: CT4, tmp_path: Path) -> None:
    pk = ct4.lead(SCOUTING)
    good = [f"Q1,relink,{SCOUTING},{pk},seen", "Q2,purge,,,phantom"]
    bad = [*good, "Q3,relink,module_ct_migrations,424242,no such lead", "Q9,purge,,,unknown"]
    before = snapshot(ct4.engine, TABLES)
    failed = review.bulk_review(
        ct4.engine,
        review.read_decisions(write_csv(tmp_path / "bad.csv", bad)),
        reviewer="ana",
        execute=True,
    )
    assert not failed.executed
    assert [(line.line, line.ok) for line in failed.lines] == [
        (2, True),
        (3, True),
        (4, False),
        (5, False),
    ]
    assert "does not exist" in failed.lines[2].message
    assert snapshot(ct4.engine, TABLES) == before
    preview = review.bulk_review(
        ct4.engine, review.read_decisions(write_csv(tmp_path / "good.csv", good)), reviewer="ana"
    )
    assert not preview.executed and not preview.failed
    assert snapshot(ct4.engine, TABLES) == before
    applied = review.bulk_review(
        ct4.engine,
        review.read_decisions(write_csv(tmp_path / "good.csv", good)),
        reviewer="ana",
        execute=True,
    )
    assert applied.executed
    assert ct4.quarantine_row("Q1")["status"] == "resolved_relinked"
    assert ct4.quarantine_row("Q2")["status"] == "purged"


def test_bulk_refuses_a_csv_without_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("driver,what\nQ1,purge\n")
    with pytest.raises(review.ReviewRefused, match="missing column"):
        review.read_decisions(path)


def test_bulk_reads_a_file_saved_with_a_byte_order_mark(ct4: CT4, tmp_path: Path) -> None:
    """Spreadsheets save "UTF-8 CSV" with a BOM: its first column is still driver_id."""
    path = tmp_path / "bom.csv"
    path.write_bytes(
        b"\xef\xbb\xbfdriver_id,action,source_table,source_pk,notes\r\nQ1,purge,,,phantom\r\n"
    )
    [decision] = review.read_decisions(path)
    assert decision["driver_id"] == "Q1"
    assert not review.bulk_review(ct4.engine, [decision], reviewer="ana").failed


def test_bulk_refuses_a_column_named_twice(tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text("driver_id,action,source_table,source_pk,notes,driver_id\nQ1,purge,,,x,Q2\n")
    with pytest.raises(review.ReviewRefused, match="driver_id appear more than once"):
        review.read_decisions(path)


def test_bulk_files_are_capped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """At most 2,000 decisions and 1 MiB (README): a 100,000-line file held the lock 68 s."""
    decisions, size = 2000, 1024 * 1024
    many = write_csv(tmp_path / "many.csv", [f"Q{n},purge,,,x" for n in range(decisions)])
    assert len(review.read_decisions(many)) == decisions
    more = write_csv(tmp_path / "more.csv", [f"Q{n},purge,,,x" for n in range(decisions + 1)])
    with pytest.raises(review.ReviewRefused, match=f"more than {decisions} decisions"):
        review.read_decisions(more)
    large = write_csv(tmp_path / "large.csv", ["Q1,purge,,," + "x" * size])
    with pytest.raises(review.ReviewRefused, match=f"larger than {size} bytes"):
        review.read_decisions(large)
    assert cli.main(["review", "bulk", "--file", str(more), "--by", "ana"]) == 2
    assert "split it" in capsys.readouterr().err


def test_a_bulk_file_is_checked_before_the_lock_is_taken(ct4: CT4, tmp_path: Path) -> None:
    """Input errors are found without the pipeline lock: while a run holds it, a file whose
    every line is refused is answered at once (the lock is held only for database work)."""
    from orphans_pipeline_tests.test_concurrency import HeldLock

    path = write_csv(
        tmp_path / "bad.csv", ["Q1,sing,,,x", ",purge,,,no driver", "Q3,purge,,,a\x1bb"]
    )
    held = HeldLock(ct4.engine)
    try:
        outcome = review.bulk_review(
            ct4.engine,
            review.read_decisions(path),
            reviewer="ana",
            execute=True,
            lock_wait_seconds=0,
        )
    finally:
        held.release()
    assert not outcome.executed
    assert [(line.line, line.ok) for line in outcome.lines] == [(2, False), (3, False), (4, False)]
    assert "unknown action" in outcome.lines[0].message
    assert "driver id is empty" in outcome.lines[1].message
    assert "control character" in outcome.lines[2].message


def test_review_job_from_the_launchpad(ct4: CT4) -> None:
    url = ct4.engine.url.render_as_string(hide_password=False)
    job = build_definitions(ct4=CT4Database(database_url=url)).resolve_job_def("orphans_review_job")
    config = {"action": "purge", "driver_id": "Q1", "reviewer": "ana", "notes": "phantom"}
    before = snapshot(ct4.engine, TABLES)
    preview = job.execute_in_process(
        run_config=config,
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert preview.success and snapshot(ct4.engine, TABLES) == before
    applied = job.execute_in_process(
        run_config={**config, "execute": True},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert applied.success
    assert ct4.quarantine_row("Q1")["status"] == "purged"
    keys = {e.asset_key.to_user_string() for e in applied.get_asset_materialization_events()}
    assert keys == {"driver_orphan_quarantine", "ops_views"}


def test_a_name_that_reads_as_the_pipeline_is_refused_at_every_door(
    ct4: CT4,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The CLI, a bulk file, the API (and so the page) and the launchpad's review job all go
    through the one check: a look-alike or an invisible character is refused, nothing written."""
    from fastapi.testclient import TestClient

    from orphans_pipeline.api.app import PREFIX, create_app
    from orphans_pipeline.api.settings import ApiSettings

    url = ct4.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    job = build_definitions(ct4=CT4Database(database_url=url)).resolve_job_def("orphans_review_job")
    decisions = write_csv(tmp_path / "decisions.csv", ["Q1,purge,,,phantom"])
    before = snapshot(ct4.engine, TABLES)
    for name, why in (("p\u0456peline", "reserved for the pipeline"), ("pipeline\u3164", "U+3164")):
        review_args = ["review", "purge", "--driver-id", "Q1", "--by", name, "--execute"]
        assert cli.main(review_args) == 2
        assert why in capsys.readouterr().err
        bulk_args = ["review", "bulk", "--file", str(decisions), "--by", name, "--execute"]
        assert cli.main(bulk_args) == 2
        assert why in capsys.readouterr().err
        with TestClient(create_app(ApiSettings(api_token="t"), engine=lambda: ct4.engine)) as api:
            answer = api.post(
                f"{PREFIX}/Q1/purge",
                json={"reviewer": name, "execute": True},
                headers={"Authorization": "Bearer t"},
            )
        assert answer.status_code == 400 and why in answer.json()["detail"], answer.text
        config = {"action": "purge", "driver_id": "Q1", "reviewer": name, "execute": True}
        result = job.execute_in_process(
            run_config=config,  # the review job maps its one block to its step
            instance=dg.DagsterInstance.ephemeral(),
            raise_on_error=False,
        )
        [failure] = [event for event in result.all_events if event.is_step_failure]
        assert why in failure.step_failure_data.error.to_string()  # type: ignore[union-attr]
    assert snapshot(ct4.engine, TABLES) == before


def test_cli_review_and_history(
    ct4: CT4, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", ct4.engine.url.render_as_string(hide_password=False))
    assert (
        cli.main(["review", "purge", "--driver-id", "Q1", "--by", "ana", "--notes", "phantom"]) == 0
    )
    assert "PREVIEW" in capsys.readouterr().out
    assert ct4.quarantine_row("Q1")["status"] == "quarantined"
    assert (
        cli.main(
            [
                "review",
                "purge",
                "--driver-id",
                "Q1",
                "--by",
                "ana",
                "--notes",
                "phantom",
                "--execute",
            ]
        )
        == 0
    )
    assert cli.main(["review", "purge", "--driver-id", "Q2", "--by", " ", "--execute"]) == 2
    assert "reviewer name is empty" in capsys.readouterr().err
    assert cli.main(["history", "Q1", "--json"]) == 0
    story = json.loads(capsys.readouterr().out)
    assert [t["to_status"] for t in story["transitions"]] == ["quarantined", "purged"]
    assert story["transitions"][-1]["actor"] == "ana"
    assert story["current"]["status"] == "purged"
    assert cli.main(["history", "Q1"]) == 0
    assert "quarantined -> purged" in capsys.readouterr().out
    assert cli.main(["history", "UNKNOWN"]) == 2
