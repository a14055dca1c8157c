"""One door into CT4 (revision 0013): every write is a function of the project's that checks its
rule and binds its actor. Each attempt a probe made as `orphans_pipeline` or
`orphans_reviewer` is replayed here and refused; an undo can no longer be turned against CT4's
own rows; and the launchpad's review job works under exactly the documented privileges."""

import json
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from orphans_pipeline.core import fix, integrity, review
from orphans_pipeline.core.review import ReviewConflict, ReviewRefused
from orphans_pipeline.definitions import build_definitions
from orphans_pipeline.defs.resources import CT4Database
from orphans_pipeline_tests.conftest import url_of
from orphans_pipeline_tests.ct4 import CT4
from orphans_pipeline_tests.pipeline_helpers import run_fix
from orphans_pipeline_tests.roles import refused


def raises_sqlstate(engine: Engine, statement: str, sqlstate: str, **params: object) -> str:
    """Run `statement` as the engine's role; it must fail with `sqlstate`. Returns the message."""
    with engine.connect() as conn, pytest.raises(DBAPIError) as raised:
        conn.execute(text(statement), params)
    assert raised.value.orig is not None
    assert getattr(raised.value.orig, "sqlstate", None) == sqlstate, str(raised.value)
    return str(raised.value.orig)


def quarantined(engine: Engine, count: int = 2) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "select driver_id from canon.driver_orphan_quarantine "
                    "where status = 'quarantined' order by driver_id limit :n"
                ),
                {"n": count},
            ).scalars()
        )


def healthy_lead_link(engine: Engine) -> dict[str, object]:
    """A lead link CT4 made for a person whose driver is healthy (operational)."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                text(
                    "select lead.id, lead.source_table, lead.source_pk, lead.person_key::text "
                    "as person_key, driver.source_pk as driver_id "
                    "from canon.identity_links as lead "
                    "join canon.identity_links as driver on driver.person_key = lead.person_key "
                    "and driver.source_table = 'drivers' "
                    "where lead.source_table = 'module_ct_migrations' "
                    "and lead.match_rule not like 'MANUAL%' "
                    "and not exists (select 1 from canon.driver_orphan_quarantine as q "
                    "where q.driver_id = driver.source_pk) "
                    "order by lead.id limit 1"
                )
            )
            .mappings()
            .one()
        )
    return dict(row)


def test_every_forbidden_write_is_refused_as_each_role(granted: dict[str, Engine]) -> None:
    pipeline, reviewer = granted["orphans_pipeline"], granted["orphans_reviewer"]
    run_fix(pipeline, fix.FixOptions(execute=True, lock_wait_seconds=5))
    driver = quarantined(pipeline)[0]
    healthy = healthy_lead_link(pipeline)
    # The probe's attempts, as the pipeline's role: a reviewer's decision forged through the
    # session's settings, a purged row for a healthy driver under a reviewer's name.
    forged_context = (
        "select set_config('orphans.actor', 'ana', true), set_config('orphans.evidence', "
        '\'{"action": "relink", "link_id": 1}\', true)'
    )
    for statement in (
        "update canon.driver_orphan_quarantine set status = 'resolved_relinked' "
        "where driver_id = :d",
        "insert into canon.driver_orphan_quarantine (driver_id, detected_reason, status) "
        "values (:h, 'manual_detection', 'purged')",
        "insert into canon.identity_links (person_key, source_table, source_pk, snapshot_date, "
        "match_rule, match_score, confidence_level) select person_key, 'module_ct_migrations', "
        "'forged', now(), 'FORGED', 1, 'HIGH' from canon.identity_registry limit 1",
    ):
        assert refused(
            pipeline, statement, setup=forged_context, d=driver, h=healthy["driver_id"]
        ), statement
    # As the reviewers' role: CT4's rows deleted, quarantine columns changed without history,
    # a history row under the pipeline's name with a run id that does not exist.
    for statement in (
        "delete from canon.identity_links where source_table <> 'drivers'",
        "delete from public.module_ct_migrations",
        "delete from observational.lead_events",
        "update canon.driver_orphan_quarantine set person_key = null where driver_id = :d",
        "update canon.driver_orphan_quarantine set evidence_json = '{}' where driver_id = :d",
        "update canon.driver_orphan_quarantine set detected_at = now() where driver_id = :d",
        "insert into canon.driver_orphan_quarantine_history (driver_id, to_status, actor, run_id) "
        "values (:d, 'purged', 'pipeline', 'no-such-run')",
    ):
        assert refused(reviewer, statement, d=driver), statement
    # The guard's mode is a row only the owner changes; no session setting turns it off.
    for role in (pipeline, reviewer):
        assert refused(role, "update orphans.driver_link_guard set mode = 'off'")
    # The functions check their own rules, whoever calls them.
    raises_sqlstate(pipeline, "select orphans.insert_lead_links('no-such-run')", "OR403")
    with pipeline.begin() as conn:
        conn.execute(text("select orphans.register_run('a-dry-run', 'dry_run', null, null)"))
    for function in ("insert_lead_links", "upsert_driver_orphan_quarantine"):
        raises_sqlstate(pipeline, f"select orphans.{function}('a-dry-run')", "OR403")
    with pipeline.begin() as conn:
        conn.execute(text("select orphans.register_run('an-execute', 'execute', null, null)"))
    message = raises_sqlstate(
        pipeline, "select orphans.upsert_driver_orphan_quarantine('an-execute')", "OR403"
    )
    assert "lock" in message  # a run writes only under the pipeline lock
    decisions = json.dumps([{"line": 1, "action": "purge", "driver_id": driver, "notes": ""}])
    raises_sqlstate(
        reviewer,
        "select orphans.review_decisions(cast(:d as jsonb), 'ana', false)",
        "OR403",
        d=decisions,
    )
    # Full-width letters (NFKC folds them) and a zero-width space, written as escapes.
    full_width = "".join(chr(ord(letter) + 0xFEE0) for letter in "PIPELINE")
    for name in ("pipeline", " Pipeline ", full_width, "orphans pipeline", "system\u200b"):
        with reviewer.connect() as conn, pytest.raises(DBAPIError, match="reserved"):
            conn.execute(text("select pg_advisory_xact_lock(4851560213872920654)"))
            conn.execute(
                text("select orphans.review_decisions(cast(:d as jsonb), :name, false)"),
                {"d": decisions, "name": name},
            )
    for statement in (
        "select orphans.decide('purge', :d, 'ana', '', null, null)",
        "select orphans.move_quarantine_row(:d, 'purged', null)",
        "select orphans.insert_lead_links('an-execute')",
    ):
        assert refused(reviewer, statement, d=driver), statement
    with pipeline.connect() as conn:
        assert (
            conn.execute(
                text(
                    "select status::text from canon.driver_orphan_quarantine where driver_id = :d"
                ),
                {"d": driver},
            ).scalar_one()
            == "quarantined"
        )
    assert integrity.count_operational_orphans(pipeline).passed


@pytest.mark.parametrize("decision", ["relink", "create-lead"])
def test_an_undo_deletes_only_what_its_decision_created(
    granted: dict[str, Engine], fresh_engine: Engine, decision: str
) -> None:
    """A history row forged before revision 0013 (when a role could still set the history's
    context) names CT4's own rows: the undo refuses (409), deletes nothing of CT4's, and the
    healthy driver stays operational."""
    pipeline, reviewer = granted["orphans_pipeline"], granted["orphans_reviewer"]
    run_fix(pipeline, fix.FixOptions(execute=True, lock_wait_seconds=5))
    driver = quarantined(pipeline)[0]
    healthy = healthy_lead_link(pipeline)
    evidence: dict[str, object] = {
        "action": decision,
        "link_id": healthy["id"],
        "source_table": healthy["source_table"],
        "source_pk": healthy["source_pk"],
    }
    if decision == "create-lead":
        with fresh_engine.connect() as conn:
            event = conn.execute(
                text(
                    "select id from observational.lead_events where source_table = "
                    "'module_ct_migrations' and source_pk = :pk"
                ),
                {"pk": healthy["source_pk"]},
            ).scalar()
        evidence |= {"lead_id": int(str(healthy["source_pk"])), "event_id": event}
    status = "resolved_relinked" if decision == "relink" else "resolved_created_lead"
    with fresh_engine.begin() as conn:  # the forgery, as an owner writes it today
        conn.execute(
            text(
                "select set_config('orphans.actor', 'ana', true), "
                "set_config('orphans.evidence', :e, true)"
            ),
            {"e": json.dumps(evidence)},
        )
        conn.execute(
            text(
                "update canon.driver_orphan_quarantine set status = cast(:s as orphan_status) "
                "where driver_id = :d"
            ),
            {"s": status, "d": driver},
        )
    before = CT4(fresh_engine).rows("canon.identity_links", id=healthy["id"])
    orphans_before = integrity.count_operational_orphans(pipeline).driver_ids
    with pytest.raises(ReviewConflict, match=f"link {healthy['id']} is not the MANUAL_"):
        review.review(reviewer, "undo", driver_id=driver, reviewer="bob", notes="", execute=True)
    assert CT4(fresh_engine).rows("canon.identity_links", id=healthy["id"]) == before
    # Only the forged row's driver is an operational orphan (the forgery's doing, which the
    # next execute quarantines); the healthy driver stays operational.
    assert integrity.count_operational_orphans(pipeline).driver_ids == orphans_before == [driver]


def test_undoing_a_relink_puts_back_in_quarantine_the_drivers_it_released(
    fresh_engine: Engine, reports_root: Path
) -> None:
    """Person with drivers A and B: A relinked by a reviewer, the next run releases B; undo A
    takes the person's only lead link away, so B goes back to quarantine in the same
    transaction, with history: integrity and the ops views hold at once, not at the next run."""
    ct4 = CT4(fresh_engine)
    person = ct4.driver("A")
    ct4.driver("B", person)
    run_fix(fresh_engine)
    lead = ct4.lead("module_ct_cabinet_leads", external_id="EXT-A")
    relinked = review.review(
        fresh_engine,
        "relink",
        driver_id="A",
        reviewer="ana",
        notes="",
        source_table="module_ct_cabinet_leads",
        source_pk=lead,
        execute=True,
    )
    assert relinked.to_status == "resolved_relinked"
    run_fix(fresh_engine)
    assert ct4.quarantine_row("B")["status"] == "resolved_relinked"  # type: ignore[index]
    undone = review.review(
        fresh_engine, "undo", driver_id="A", reviewer="ana", notes="", execute=True
    )
    assert undone.details["requarantined"] == ["B"]
    assert [row["table"] for row in undone.details["deleted_rows"]] == ["canon.identity_links"]
    assert ct4.quarantine_row("B")["status"] == "quarantined"  # type: ignore[index]
    last = ct4.history("B")[-1]
    assert (last["from_status"], last["to_status"], last["actor"]) == (
        "resolved_relinked",
        "quarantined",
        "ana",
    )
    assert integrity.count_operational_orphans(fresh_engine).passed
    assert integrity.count_ops_view_leaks(fresh_engine).passed
    # The requarantined driver's last transition is no decision of its own: nothing to undo.
    with pytest.raises(ReviewRefused, match="not a review action"):
        review.review(fresh_engine, "undo", driver_id="B", reviewer="ana", notes="", execute=True)


def test_the_launchpad_review_job_works_under_the_documented_privileges(
    granted: dict[str, Engine], dagster_home: Path
) -> None:
    """The review job run by a login holding only orphans_reviewer (as README says the code
    location's login needs for it): a purge and a create-lead apply."""
    run_fix(granted["orphans_pipeline"], fix.FixOptions(execute=True, lock_wait_seconds=5))
    reviewer = granted["orphans_reviewer"]
    job = build_definitions(ct4=CT4Database(database_url=url_of(reviewer))).resolve_job_def(
        "orphans_review_job"
    )
    first, second = quarantined(reviewer)
    with dg.DagsterInstance.get() as instance:
        for action, driver in (("purge", first), ("create-lead", second)):
            config = {"action": action, "driver_id": driver, "reviewer": "ana", "execute": True}
            result = job.execute_in_process(run_config=config, instance=instance)
            assert result.success
    with reviewer.connect() as conn:
        statuses = dict(
            conn.execute(
                text(
                    "select driver_id, status::text from canon.driver_orphan_quarantine "
                    "where driver_id in (:a, :b)"
                ),
                {"a": first, "b": second},
            ).all()
        )
    assert statuses == {first: "purged", second: "resolved_created_lead"}
