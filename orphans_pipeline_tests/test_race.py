"""A review taken while a run is between staging and writing is kept: the run re-judges only
rows still in the state it staged them in, under the lock. The interleaving is made
deterministic by calling the run's core steps one by one and applying the review between them.
"""

import uuid

import pytest
from sqlalchemy import Engine

from orphans_pipeline.core import classify, detect, fix, review, runs
from orphans_pipeline_tests.ct4 import CT4

pytestmark = pytest.mark.usefixtures("reports_root")
SCOUTING = "module_ct_scouting_daily"


def stage_run(engine: Engine) -> str:
    """A run's detect and classify steps: its candidates and events are staged."""
    run_id = str(uuid.uuid4())
    runs.register_run(engine, run_id, execute=True, limit=None, output_dir="/tmp")
    detect.detect_orphans(engine, run_id, None)
    classify.classify_orphans(engine, run_id)
    return run_id


def decide(engine: Engine, action: str, driver_id: str) -> review.ReviewOutcome:
    return review.review(
        engine,
        action,
        driver_id=driver_id,
        reviewer="ana",
        notes="met the driver",
        execute=True,
        lock_wait_seconds=5,
    )


@pytest.mark.parametrize("with_evidence", [False, True])
def test_a_decision_taken_during_a_run_is_kept(fresh_engine: Engine, with_evidence: bool) -> None:
    data = CT4(fresh_engine)
    person = data.driver("D1")
    data.quarantine("D1", person)
    if with_evidence:
        # A usable L1 event: the run would relink the driver itself.
        data.event(SCOUTING, data.lead(SCOUTING), {"driver_id": "D1"})
    run_id = stage_run(fresh_engine)

    decide(fresh_engine, "create-lead", "D1")  # lands between staging and writing
    decided = data.quarantine_row("D1")
    applied = fix.apply_run(fresh_engine, run_id, execute=True, lock_wait_seconds=5)

    row = data.quarantine_row("D1")
    assert row == decided
    assert row["status"] == "resolved_created_lead" and "ana" in row["resolution_notes"]
    assert [h["actor"] for h in data.history("D1")] == ["pipeline", "ana"]
    # The run neither overwrote the decision nor added a link of its own for that person.
    assert [link["match_rule"] for link in data.lead_links(person)] == ["MANUAL_CREATED_LEAD"]
    assert applied.stats["processed"] == 0 and applied.history_rows == 0
    # And the reviewer can still undo it.
    assert decide(fresh_engine, "undo", "D1").to_status == "quarantined"


def test_a_purge_during_a_run_is_kept(fresh_engine: Engine) -> None:
    data = CT4(fresh_engine)
    data.quarantine("D1", data.driver("D1"))
    run_id = stage_run(fresh_engine)
    decide(fresh_engine, "purge", "D1")
    fix.apply_run(fresh_engine, run_id, execute=True, lock_wait_seconds=5)
    assert data.quarantine_row("D1")["status"] == "purged"
    assert [h["to_status"] for h in data.history("D1")] == ["quarantined", "purged"]


def test_other_drivers_of_the_run_are_still_judged(fresh_engine: Engine) -> None:
    data = CT4(fresh_engine)
    data.quarantine("D1", data.driver("D1"))
    data.driver("D2")  # a new orphan, no evidence
    run_id = stage_run(fresh_engine)
    decide(fresh_engine, "create-lead", "D1")
    applied = fix.apply_run(fresh_engine, run_id, execute=True, lock_wait_seconds=5)
    assert data.quarantine_row("D1")["status"] == "resolved_created_lead"
    assert data.quarantine_row("D2")["status"] == "quarantined"
    assert applied.stats["processed"] == 1 and applied.history_rows == 1
