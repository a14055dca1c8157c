"""Each rule of domain.md, on its own small dataset (a fresh database per test)."""

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Connection, Engine, text

from orphans_pipeline.core import locking, sql
from orphans_pipeline_tests.ct4 import CT4
from orphans_pipeline_tests.pipeline_helpers import report_row, run_fix
from orphans_pipeline_tests.plans import nested_plans, register_run

pytestmark = pytest.mark.usefixtures("reports_root")

SCOUTING, CABINET, MIGRATIONS = (
    "module_ct_scouting_daily",
    "module_ct_cabinet_leads",
    "module_ct_migrations",
)


@pytest.fixture(params=("subset", "real"))
def flavor(request: pytest.FixtureRequest) -> str:
    """The project's subset and CT4 as its migrations build it; CT4's views change nothing
    here (test_real_ct4.py runs the whole path without them too)."""
    return str(request.param)


@pytest.fixture
def ct4(flavored_engine: Engine) -> CT4:
    """Every rule on the project's subset and on CT4 as it really is."""
    return CT4(flavored_engine)


def events(ct4: CT4, driver_id: str) -> list[dict]:
    row = ct4.quarantine_row(driver_id)
    assert row is not None
    return row["evidence_json"]["lead_events"]


# --- detection -------------------------------------------------------------------------------


def test_healthy_driver_is_not_a_candidate(ct4: CT4) -> None:
    person = ct4.driver("D1")
    ct4.link(person, SCOUTING, ct4.lead(SCOUTING))
    result = run_fix(ct4.engine)
    assert result.stats["processed"] == 0
    assert ct4.quarantine_row("D1") is None


def test_orphan_without_evidence_is_quarantined_no_lead_no_events(ct4: CT4) -> None:
    person = ct4.driver("D1")
    result = run_fix(ct4.engine)
    row = ct4.quarantine_row("D1")
    assert row is not None
    assert (row["status"], row["detected_reason"]) == ("quarantined", "no_lead_no_events")
    assert row["person_key"] == person
    assert row["creation_rule"] == "LEGACY_DRIVER_IMPORT"
    assert row["resolved_at"] is None
    assert result.stats["without_events"] == 1
    assert report_row(result, "D1")["action"] == "quarantined"


def test_a_lead_link_of_another_table_does_not_count(ct4: CT4) -> None:
    person = ct4.driver("D1")
    ct4.link(person, "some_other_table", "X1")
    run_fix(ct4.engine)
    assert ct4.quarantine_row("D1")["status"] == "quarantined"


# --- L1 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        {"driver_id": "D1"},
        {"driverId": "D1"},
        {"driver": {"driver_id": "D1"}},
        {"driver": {"id": "D1"}},
        {"driver_id": "  D1 "},
    ],
    ids=["driver_id", "driverId", "driver.driver_id", "driver.id", "trimmed"],
)
def test_l1_payload_keys_relink(ct4: CT4, payload: dict) -> None:
    person = ct4.driver("D1")
    pk = ct4.lead(SCOUTING)
    ct4.event(SCOUTING, pk, payload, event_date=date(2026, 2, 3))
    result = run_fix(ct4.engine)
    links = ct4.lead_links(person)
    assert [(link["source_table"], link["source_pk"]) for link in links] == [(SCOUTING, pk)]
    link = links[0]
    assert link["match_rule"] == "LEAD_EVENT_RECONSTRUCTION"
    assert link["match_score"] == 100
    assert link["confidence_level"] == "HIGH"
    assert link["snapshot_date"] == datetime(2026, 2, 3, tzinfo=UTC)
    assert link["evidence"]["run_id"] == result.run_id
    assert link["evidence"]["level"] == "L1"
    assert link["evidence"]["match_strategy"] == "driver_id_direct"
    row = ct4.quarantine_row("D1")
    assert (row["status"], row["detected_reason"]) == ("resolved_relinked", "no_lead_has_events")
    assert row["resolved_at"] is not None and "relinked" in row["resolution_notes"]
    report = report_row(result, "D1")
    assert (report["action"], report["evidence_level"], report["match_strategy"]) == (
        "relinked",
        "L1",
        "driver_id_direct",
    )
    assert report["links_created"] == "1"


def test_l1_numeric_driver_id_counts(ct4: CT4) -> None:
    person = ct4.driver("123456")
    ct4.event(CABINET, ct4.lead(CABINET, external_id="CAB-1"), {"driverId": 123456})
    run_fix(ct4.engine)
    assert [link["source_pk"] for link in ct4.lead_links(person)] == ["CAB-1"]


def test_l1_naming_drivers_of_two_persons_is_ambiguous(ct4: CT4) -> None:
    ct4.driver("D1")
    other = ct4.driver("D2")
    ct4.link(other, MIGRATIONS, ct4.lead(MIGRATIONS))
    ct4.event(SCOUTING, ct4.lead(SCOUTING), {"driver_id": "D1", "driver": {"id": "D2"}})
    run_fix(ct4.engine)
    row = ct4.quarantine_row("D1")
    assert (row["status"], row["detected_reason"]) == (
        "quarantined",
        "no_lead_has_events_repair_failed",
    )
    assert events(ct4, "D1")[0]["why"] == "ambiguous"


# --- L2 ------------------------------------------------------------------------------------


def test_l2_license_with_noise_uses_license_number_when_normalized_is_none(ct4: CT4) -> None:
    person = ct4.driver("D1", license_number="abc-12 345", license_normalized_number="N/A")
    ct4.event(SCOUTING, ct4.lead(SCOUTING), {"driver_license": " ABC12345 "})
    result = run_fix(ct4.engine)
    assert len(ct4.lead_links(person)) == 1
    assert report_row(result, "D1")["match_strategy"] == "license_exact"


def test_l2_license_prefers_license_normalized_number(ct4: CT4) -> None:
    person = ct4.driver("D1", license_number="ZZZ99999", license_normalized_number="Q1234567")
    ct4.event(SCOUTING, ct4.lead(SCOUTING), {"driver_license": "ZZZ99999"})
    run_fix(ct4.engine)
    assert ct4.lead_links(person) == []


def test_l2_phone_country_code_and_formatting(ct4: CT4) -> None:
    person = ct4.driver("D1", phone="+51 987-654-321")
    ct4.event(SCOUTING, ct4.lead(SCOUTING), {"driver_phone": "00987654321"})
    result = run_fix(ct4.engine)
    assert len(ct4.lead_links(person)) == 1
    assert report_row(result, "D1")["match_strategy"] == "phone_exact"


def test_l2_park_phone_counts_for_cabinet_events_only(ct4: CT4) -> None:
    cabinet_person = ct4.driver("D1", phone="987654321")
    scouting_person = ct4.driver("D2", phone="912345678")
    ct4.event(CABINET, ct4.lead(CABINET, external_id="C1"), {"park_phone": "987 654 321"})
    ct4.event(SCOUTING, ct4.lead(SCOUTING), {"park_phone": "912345678"})
    run_fix(ct4.engine)
    assert len(ct4.lead_links(cabinet_person)) == 1
    assert ct4.lead_links(scouting_person) == []
    assert ct4.quarantine_row("D2")["detected_reason"] == "no_lead_no_events"


def test_l2_both_exact(ct4: CT4) -> None:
    ct4.driver("D1", phone="987654321", license_number="LIC12345")
    ct4.event(
        SCOUTING, ct4.lead(SCOUTING), {"driver_phone": "987654321", "driver_license": "lic-12345"}
    )
    result = run_fix(ct4.engine)
    assert report_row(result, "D1")["match_strategy"] == "both_exact"


@pytest.mark.parametrize(
    ("phone", "license"),
    [("", ""), ("N/A", "N/A"), ("-", "-"), ("12345678", "AB-12"), ("tel: 1234", "ñ ñ 1 2")],
)
def test_none_values_never_match(ct4: CT4, phone: str, license: str) -> None:
    ct4.driver("D1", phone=phone, license_number=license, license_normalized_number=license)
    ct4.event(SCOUTING, ct4.lead(SCOUTING), {"driver_phone": phone, "driver_license": license})
    run_fix(ct4.engine)
    assert ct4.quarantine_row("D1")["detected_reason"] == "no_lead_no_events"


def test_l2_matching_drivers_of_two_persons_is_ambiguous(ct4: CT4) -> None:
    ct4.driver("D1", phone="987654321")
    healthy = ct4.driver("D2", phone="987654321")
    ct4.link(healthy, MIGRATIONS, ct4.lead(MIGRATIONS))
    ct4.event(SCOUTING, ct4.lead(SCOUTING), {"driver_phone": "987654321"})
    result = run_fix(ct4.engine)
    row = ct4.quarantine_row("D1")
    assert row["detected_reason"] == "no_lead_has_events_repair_failed"
    assert events(ct4, "D1")[0]["why"] == "ambiguous"
    assert result.stats["ambiguous"] == 1


def test_two_orphan_drivers_of_one_person_are_not_ambiguous(ct4: CT4) -> None:
    person = ct4.driver("D1", phone="987654321")
    ct4.driver("D2", person, phone="987654321")
    ct4.event(SCOUTING, ct4.lead(SCOUTING), {"driver_phone": "987654321"})
    result = run_fix(ct4.engine)
    assert len(ct4.lead_links(person)) == 1
    assert result.stats["links_created"] == 1
    assert {ct4.quarantine_row(d)["status"] for d in ("D1", "D2")} == {"resolved_relinked"}


def test_l1_for_another_persons_driver_wins_over_l2(ct4: CT4) -> None:
    orphan = ct4.driver("D1", phone="987654321")
    owner = ct4.driver("D2", phone="911111111")
    ct4.link(owner, MIGRATIONS, ct4.lead(MIGRATIONS))
    ct4.event(SCOUTING, ct4.lead(SCOUTING), {"driver_id": "D2", "driver_phone": "987654321"})
    run_fix(ct4.engine)
    assert ct4.lead_links(orphan) == []
    assert events(ct4, "D1")[0]["why"] == "claimed_by_other_person"


def test_an_event_l1_for_one_orphan_and_l2_for_another_goes_to_the_l1_person(ct4: CT4) -> None:
    first = ct4.driver("D1")
    second = ct4.driver("D2", phone="987654321")
    pk = ct4.lead(SCOUTING)
    ct4.event(SCOUTING, pk, {"driver_id": "D1", "driver_phone": "987654321"})
    run_fix(ct4.engine)
    assert [link["source_pk"] for link in ct4.lead_links(first)] == [pk]
    assert ct4.lead_links(second) == []


# --- L3 and usability ----------------------------------------------------------------------


def test_l3_is_weak_and_never_creates_a_link(ct4: CT4) -> None:
    person = ct4.driver("D1")
    ct4.event(MIGRATIONS, ct4.lead(MIGRATIONS), {"note": "walk-in"}, person=person)
    result = run_fix(ct4.engine)
    assert ct4.lead_links(person) == []
    row = ct4.quarantine_row("D1")
    assert row["detected_reason"] == "no_lead_has_events_repair_failed"
    assert events(ct4, "D1")[0]["level"] == "L3"
    assert events(ct4, "D1")[0]["why"] == "weak_only"
    assert report_row(result, "D1")["evidence_level"] == "L3"


def test_conflict_never_takes_a_lead_from_its_owner(ct4: CT4) -> None:
    orphan = ct4.driver("D1")
    owner = ct4.person()
    pk = ct4.lead(MIGRATIONS)
    link_id = ct4.link(owner, MIGRATIONS, pk)
    ct4.event(MIGRATIONS, pk, {"driver_id": "D1"})
    result = run_fix(ct4.engine)
    assert ct4.lead_links(orphan) == []
    assert [link["id"] for link in ct4.lead_links(owner)] == [link_id]
    assert events(ct4, "D1")[0]["why"] == "conflict"
    assert result.stats["conflicts"] == 1


def test_lead_row_missing_is_not_usable(ct4: CT4) -> None:
    person = ct4.driver("D1")
    ct4.event(SCOUTING, "424242", {"driver_id": "D1"})
    ct4.event(CABINET, "CAB-NOPE", {"driver_id": "D1"})
    run_fix(ct4.engine)
    assert ct4.lead_links(person) == []
    assert {e["why"] for e in events(ct4, "D1")} == {"lead_row_missing"}


def test_cabinet_source_pk_is_external_id_else_id(ct4: CT4) -> None:
    with_external = ct4.driver("D1")
    without_external = ct4.driver("D2")
    ct4.lead(CABINET, external_id="EXT-9")
    plain_pk = ct4.lead(CABINET)
    ct4.event(CABINET, "EXT-9", {"driver_id": "D1"})
    ct4.event(CABINET, plain_pk, {"driver_id": "D2"})
    run_fix(ct4.engine)
    assert [link["source_pk"] for link in ct4.lead_links(with_external)] == ["EXT-9"]
    assert [link["source_pk"] for link in ct4.lead_links(without_external)] == [plain_pk]


def test_cabinet_source_pk_function_is_the_convention_and_uses_its_index(ct4: CT4) -> None:
    """orphans.cabinet_source_pk is the one spelling of the cabinet convention; inlined by the
    planner, a comparison of it uses the expression index of revision 0001 (a function call
    the planner kept would not match the index, and the lookup would scan every lead)."""
    with ct4.engine.begin() as conn:
        values = conn.execute(
            text(
                "select orphans.cabinet_source_pk('EXT-9', 7), "
                "orphans.cabinet_source_pk(null, 7), orphans.cabinet_source_pk('', 7)"
            )
        ).one()
        assert tuple(values) == ("EXT-9", "7", "")
        conn.execute(text("set local enable_seqscan = off"))
        plan = "\n".join(
            conn.execute(
                text(
                    "explain (costs off) select lead.id from public.module_ct_cabinet_leads "
                    "as lead where orphans.cabinet_source_pk(lead.external_id, lead.id) = 'EXT-9'"
                )
            ).scalars()
        )
    assert "module_ct_cabinet_leads_source_pk_idx" in plan, plan


@pytest.mark.parametrize("name", ["checks/count_operational_orphans", "pipeline/detect_orphans"])
def test_no_lead_link_stays_an_anti_join_through_the_view(ct4: CT4, name: str) -> None:
    """orphans.lead_links is pulled up into the statements that read it: "has no lead link"
    plans as an anti-join on canon.identity_links, never as a subplan run once per driver."""
    params = {"run_id": "plan", "row_limit": None, "full": False}
    with ct4.engine.begin() as conn:
        register_run(conn, "plan")
        plan = nested_plans(conn, sql.load_text(name), params)
        conn.rollback()
    assert "Anti Join" in plan, plan
    assert "SubPlan" not in plan, plan


# Run `plan`'s classification and flags in one share, as one statement (revision 0022's
# functions take a share; classify.in_shares runs them side by side).
WHOLE_RUN = {"run_id": "plan", "part": 0, "parts": 1}


def _plan_run_with_candidate(conn: Connection, driver_id: str, person: str) -> None:
    """A running run `plan` with one candidate staged (the caller rolls back)."""
    register_run(conn, "plan")
    conn.execute(
        text(
            "insert into orphans.run_candidates (run_id, driver_id, driver_key, person_key) "
            "values ('plan', :driver, :driver_key, :person)"
        ),
        {"driver": driver_id, "driver_key": driver_id, "person": person},
    )


def _classify_every_driver(conn: Connection) -> None:
    """A running run `plan` with every linked driver a candidate, its relations classified
    (the caller rolls back)."""
    register_run(conn, "plan")
    conn.execute(
        text(
            "insert into orphans.run_candidates (run_id, driver_id, driver_key, person_key) "
            "select 'plan', link.source_pk, link.source_pk, link.person_key "
            "from canon.identity_links as link where link.source_table = 'drivers'"
        )
    )
    sql.run(conn, "pipeline/classify_orphans", **WHOLE_RUN)


def test_classification_stages_its_matches_without_a_full_join(ct4: CT4) -> None:
    """Revision 0017: the matches of every level and key are one union grouped by (driver,
    event). The planner cannot know how few pairs share a normalised key, so it sized 0013's
    full join of the license and phone matches for billions of rows and hashed it that way:
    447 s of a first execute at 10,000,000 drivers."""
    person = ct4.driver("D1", phone="987654321", license_number="LIC-00001")
    ct4.event(SCOUTING, "S-1", {"driver_phone": "987654321", "driver_license": "LIC-00001"})
    with ct4.engine.begin() as conn:
        _plan_run_with_candidate(conn, "D1", person)
        plan = nested_plans(conn, sql.load_text("pipeline/classify_orphans"), WHOLE_RUN)
        staged = conn.execute(
            text("select level, match_strategy from orphans.run_events where run_id = 'plan'")
        ).all()
        conn.rollback()
    assert "Full Join" not in plan, plan
    assert staged == [("L2", "both_exact")], staged


def test_an_l2_event_finds_the_drivers_it_matches_by_their_keys_index(ct4: CT4) -> None:
    """Revision 0019: flag_ambiguous_events looks up, event by event, the drivers whose license
    or phone key an L2 event carries (and, since 0020, each driver's link by index: every
    driver link was hashed for the phone's matches). Hashing every driver instead (the
    planner's choice for the license) computed the license key of each of CT4's drivers in
    every run: 1.0 s at 1,000,000 drivers, growing with CT4, not with the run. Nested loops
    are made the planner's last resort here, as a hash looks cheap to it at any size: the
    lookups must stay lookups.
    The flags stay the rule's: the event matches drivers of two persons, so it is ambiguous."""
    ct4.driver("D1", phone="987654321", license_number="LIC-00001")
    ct4.driver("D2", license_number="LIC-00001")
    ct4.event(SCOUTING, "S-1", {"driver_phone": "987654321", "driver_license": "LIC-00001"})
    with ct4.engine.begin() as conn:
        _classify_every_driver(conn)
        conn.execute(text("set local enable_nestloop = off"))
        plan = nested_plans(conn, sql.load_text("pipeline/flag_ambiguous_events"), WHOLE_RUN)
        flags = conn.execute(
            text(
                "select driver_id, level, is_ambiguous from orphans.run_events "
                "where run_id = 'plan' order by driver_id"
            )
        ).all()
        conn.rollback()
    # Since 0021 each strong event's keys are read with it (strong_events), once.
    _assert_looked_up(plan, "strong_events", ("license_key", "phone_key"))
    # Revision 0020: each matched driver's link (and quarantine row) by index too.
    _assert_looked_up(plan, "driver", ("driver_id",))
    assert flags == [("D1", "L2", True), ("D2", "L2", True)], flags


def test_the_flags_rewrite_only_the_relations_they_change_and_hash_nothing_per_event(
    ct4: CT4,
) -> None:
    """Revision 0021: flag_ambiguous_events leaves a relation whose flags stay as staged (both
    false: most of them) untouched; it rewrote every strong relation, 82,500 in a first execute
    at 1,000,000 drivers, to flag a few thousand. And the drivers an L2 event's keys match are
    one list per event, not a set: a union built a hash table for each event (0.7 s of 1.4 s
    for 20,000 L2 events). The flags stay the rule's: the event D1 and D2 both match is
    ambiguous for both; D3's own event is not."""
    ct4.driver("D1", phone="987654321", license_number="LIC-00001")
    ct4.driver("D2", license_number="LIC-00001")
    ct4.driver("D3", phone="987000003")
    ct4.event(SCOUTING, "S-1", {"driver_phone": "987654321", "driver_license": "LIC-00001"})
    ct4.event(SCOUTING, "S-3", {"driver_phone": "987000003"})
    updated = text(
        "select n_tup_upd from pg_stat_xact_user_tables "
        "where schemaname = 'orphans' and relname = 'run_events'"
    )
    with ct4.engine.begin() as conn:
        _classify_every_driver(conn)
        before = conn.execute(updated).scalar_one()
        plan = nested_plans(conn, sql.load_text("pipeline/flag_ambiguous_events"), WHOLE_RUN)
        rewritten = conn.execute(updated).scalar_one() - before
        flags = conn.execute(
            text(
                "select driver_id, source_pk, level, is_ambiguous from orphans.run_events "
                "where run_id = 'plan' order by driver_id, source_pk"
            )
        ).all()
        conn.rollback()
    assert flags == [
        ("D1", "S-1", "L2", True),
        ("D2", "S-1", "L2", True),
        ("D3", "S-3", "L2", False),
    ], flags
    assert rewritten == 2, f"{rewritten} relations rewritten, 2 flagged"
    # No set built over the drivers each event matches (a union's Unique or HashAggregate).
    nodes = [line.strip() for line in plan.splitlines() if line.strip().startswith("->")]
    for above, node, below in zip(nodes, nodes[1:], nodes[2:], strict=False):
        if node.startswith("->  Append") and " on drivers " in below:
            assert not re.match(r"->  (HashAggregate|Unique|Sort|HashSetOp)\b", above), plan


def test_classification_looks_up_the_events_of_each_candidates_keys(ct4: CT4) -> None:
    """Revision 0019: the events an L2 key of a candidate matches (license, phone, park phone)
    and each staged event's columns are looked up by index for each candidate. Unable to know
    how few candidates a run has, the planner sorted or hashed every cabinet event by its park
    phone and every event by id: 1.0 s for 586 candidates at 1,000,000 drivers. Nested loops are
    made its last resort here: the lookups must stay lookups, and stage the rule's relations."""
    person = ct4.driver("D1", phone="987654321", license_number="LIC-00001")
    ct4.event(SCOUTING, "S-1", {"driver_license": "LIC-00001"})
    ct4.event("module_ct_cabinet_leads", "C-1", {"park_phone": "987654321"})
    with ct4.engine.begin() as conn:
        _plan_run_with_candidate(conn, "D1", person)
        conn.execute(text("set local enable_nestloop = off"))
        plan = nested_plans(conn, sql.load_text("pipeline/classify_orphans"), WHOLE_RUN)
        staged = conn.execute(
            text(
                "select source_pk, level, match_strategy from orphans.run_events "
                "where run_id = 'plan' order by source_pk"
            )
        ).all()
        conn.rollback()
    _assert_looked_up(plan, "candidates", ("license_key", "phone_key"))
    _assert_looked_up(plan, "event", ("id",))  # each staged event by its primary key
    assert staged == [("C-1", "L2", "phone_exact"), ("S-1", "L2", "license_exact")], staged


def test_a_lost_link_is_looked_up_by_its_lead_row_whatever_the_statistics(ct4: CT4) -> None:
    """Revision 0022: mark_lost_lead_links finds each planned link's lead row by the unique
    (source_table, source_pk), never by a scan of the links. The links insert_lead_links has
    just written are in no statistics: estimating one where there were 42,500, the planner read
    every reconstructed link once for each planned one (31-72 s at 1,000,000 drivers). The
    links stay the rule's: the one created is not marked lost."""
    for n in range(3):
        ct4.driver(f"D{n}", phone=f"98765432{n}")
        lead = ct4.lead(SCOUTING)
        ct4.event(SCOUTING, lead, {"driver_id": f"D{n}"})
    with ct4.engine.begin() as conn:
        _classify_every_driver(conn)
        sql.run(conn, "pipeline/flag_ambiguous_events", **WHOLE_RUN)
        locking.lock_orphans_pipeline(conn, 5)
        for name in ("judge_lead_events", "plan_lead_links", "insert_lead_links"):
            sql.run(conn, f"pipeline/{name}", run_id="plan")
        # A scan is the planner's last resort here (a few rows, never analyzed): the lookup
        # must stay a lookup. 0013's stays an anti-join, whatever its inner side.
        conn.execute(text("set local enable_seqscan = off"))
        plan = nested_plans(
            conn, sql.load_text("pipeline/mark_lost_lead_links"), {"run_id": "plan"}
        )
        created = conn.execute(
            text("select count(*) from orphans.run_links where run_id = 'plan' and is_created")
        ).scalar_one()
        conn.rollback()
    # 0013's: a Nested Loop Anti Join over a Materialize of a Seq Scan on identity_links.
    assert "Anti Join" not in plan, plan
    # By the unique (source_table, source_pk): the subset's constraint, or CT4's own.
    assert re.search(
        r"Index Scan using (identity_links_source_table_source_pk_key|uq_identity_links_source)"
        r" on identity_links",
        plan,
    ), plan
    assert created == 3, created


def test_adoption_merges_the_quarantine_with_its_history_index(ct4: CT4) -> None:
    """Revision 0020: adopting the quarantine rows without history merges the quarantine's
    primary key with the history's (driver_id, id) index; the planner hashed every quarantine
    row with its evidence instead, in every run, to find none (0.2 s at 1,000,000 drivers).
    The adoption stays the rule's: a row CT4 wrote gets its one history row."""
    ct4.quarantine("D1", ct4.driver("D1"), history=False)
    with ct4.engine.begin() as conn:
        register_run(conn, "plan")
        conn.execute(text("select pg_advisory_xact_lock(4851560213872920654)"))
        plan = nested_plans(
            conn, sql.load_text("pipeline/adopt_quarantine_rows"), {"run_id": "plan"}
        )
        adopted = conn.execute(
            text("select driver_id, actor from canon.driver_orphan_quarantine_history")
        ).all()
        conn.rollback()
    assert "Hash" not in plan, plan
    assert adopted == [("D1", "pipeline")], adopted


def _assert_looked_up(plan: str, alias: str, columns: tuple[str, ...]) -> None:
    """Each `alias.column` of `plan` (or alias_1.column, ...: the planner's aliases) is an
    index lookup's condition, and no hash or merge join's."""
    conditions = [line.strip() for line in plan.splitlines() if "Cond:" in line]
    for column in columns:
        on_it = re.compile(rf"\b{alias}(_\d+)?\.{column}\b")
        joined = [c for c in conditions if c.startswith(("Hash", "Merge")) and on_it.search(c)]
        looked_up = [c for c in conditions if c.startswith("Index") and on_it.search(c)]
        assert (joined, bool(looked_up)) == ([], True), plan


def test_events_of_other_tables_are_ignored_at_every_level(ct4: CT4) -> None:
    person = ct4.driver("D1", phone="987654321")
    ct4.event("drivers", "D1", {"driver_id": "D1", "driver_phone": "987654321"}, person=person)
    run_fix(ct4.engine)
    assert ct4.quarantine_row("D1")["detected_reason"] == "no_lead_no_events"


def test_evidence_json_holds_link_registry_and_at_most_20_events(ct4: CT4) -> None:
    person = ct4.driver("D1", phone="987654321")
    for n in range(25):
        ct4.event(SCOUTING, f"missing-{n:02d}", {"driver_phone": "987654321"})
    result = run_fix(ct4.engine)
    evidence = ct4.quarantine_row("D1")["evidence_json"]
    assert evidence["driver_link"] == {
        "match_rule": "LEGACY_DRIVER_IMPORT",
        "evidence": {"source": "test"},
    }
    assert evidence["registry"]["primary_phone"] == "987654321"
    assert evidence["lead_events_count"] == 25
    assert len(evidence["lead_events"]) == 20
    assert report_row(result, "D1")["lead_events_count"] == "25"
    assert person


# --- re-evaluation, release, purge -----------------------------------------------------------


def test_reevaluated_row_keeps_detected_at_and_reason_when_it_resolves(ct4: CT4) -> None:
    person = ct4.driver("D1")
    ct4.quarantine(
        "D1", person, reason="manual_detection", detected_at=datetime(2026, 5, 1, tzinfo=UTC)
    )
    ct4.event(SCOUTING, ct4.lead(SCOUTING), {"driver_id": "D1"})
    run_fix(ct4.engine)
    row = ct4.quarantine_row("D1")
    assert (row["status"], row["detected_reason"]) == ("resolved_relinked", "manual_detection")
    assert row["detected_at"] == datetime(2026, 5, 1, tzinfo=UTC)
    last = ct4.history("D1")[-1]
    assert (last["from_status"], last["to_status"], last["actor"]) == (
        "quarantined",
        "resolved_relinked",
        "pipeline",
    )


def test_row_that_stays_quarantined_takes_its_current_reason(ct4: CT4) -> None:
    person = ct4.driver("D1")
    ct4.quarantine("D1", person, reason="legacy_driver_without_origin")
    result = run_fix(ct4.engine)
    row = ct4.quarantine_row("D1")
    assert (row["status"], row["detected_reason"]) == ("quarantined", "no_lead_no_events")
    last = ct4.history("D1")[-1]
    assert (last["from_reason"], last["to_reason"]) == (
        "legacy_driver_without_origin",
        "no_lead_no_events",
    )
    assert last["run_id"] == result.run_id
    assert report_row(result, "D1")["action"] == "kept_quarantined"


def test_quarantined_row_whose_person_gained_a_lead_is_released(ct4: CT4) -> None:
    person = ct4.driver("D1")
    ct4.quarantine("D1", person)
    ct4.link(person, CABINET, ct4.lead(CABINET, external_id="C9"))
    result = run_fix(ct4.engine)
    row = ct4.quarantine_row("D1")
    assert row["status"] == "resolved_relinked"
    assert report_row(result, "D1")["action"] == "released"
    assert result.stats["released"] == 1 and result.stats["links_created"] == 0


def test_purged_is_final(ct4: CT4) -> None:
    person = ct4.driver("D1")
    ct4.quarantine("D1", person, status="purged")
    ct4.event(SCOUTING, ct4.lead(SCOUTING), {"driver_id": "D1"})
    result = run_fix(ct4.engine)
    assert result.stats["processed"] == 0
    assert ct4.quarantine_row("D1")["status"] == "purged"
    assert ct4.lead_links(person) == []


def test_every_candidate_gets_a_row_and_first_detection_history(ct4: CT4) -> None:
    ct4.driver("D1")
    repaired = ct4.driver("D2")
    ct4.event(SCOUTING, ct4.lead(SCOUTING), {"driver_id": "D2"})
    result = run_fix(ct4.engine)
    assert result.stats["processed"] == 2
    for driver_id, status in (("D1", "quarantined"), ("D2", "resolved_relinked")):
        history = ct4.history(driver_id)
        assert len(history) == 1
        assert history[0]["from_status"] is None and history[0]["to_status"] == status
        assert history[0]["actor"] == "pipeline" and history[0]["run_id"] == result.run_id
        assert history[0]["evidence"] == ct4.quarantine_row(driver_id)["evidence_json"]
    assert repaired


def test_processed_adds_up(ct4: CT4) -> None:
    ct4.driver("D1")
    ct4.driver("D2")
    ct4.event(SCOUTING, ct4.lead(SCOUTING), {"driver_id": "D2"})
    stats = run_fix(ct4.engine).stats
    assert stats["processed"] == stats["resolved_relinked"] + stats["quarantined"] + stats["errors"]
    assert stats["processed"] == stats["with_events"] + stats["without_events"]
