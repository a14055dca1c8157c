"""Properties over generated CT4 datasets (hypothesis): persons, drivers sharing phones and
licenses, lead rows that exist or not, links owned by others, events of every level and of
other tables, odd payloads, earlier quarantine rows; then a dry run, an execute, a purge by a
reviewer and a second execute. After each step the rules hold."""

import contextlib
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from orphans_pipeline.core import integrity, review, schema

# Runs of the job (pipeline_helpers.run_fix), under the name the generated test always used:
# `derandomize` seeds the examples from the test's source, so the same datasets are generated.
from orphans_pipeline_tests import pipeline_helpers as fix
from orphans_pipeline_tests.conftest import DatabaseFactory
from orphans_pipeline_tests.ct4 import CT4, snapshot

LEAD_TABLES = ("module_ct_cabinet_leads", "module_ct_scouting_daily", "module_ct_migrations")
TABLES = (*schema.CT4_TABLES, *schema.OWNED_TABLES)
PHONES = ("987654321", "+51 987 654 321", "912345678", "N/A", None)
LICENSES = ("Q1234567", "q-123-4567", "B7654321", "-", None)


@dataclass
class Event:
    table: str
    lead: int | None  # index of a lead row of that table, or None for a missing row
    driver: int | None  # the driver whose id, phone or license the payload carries
    key: str  # driver_id | driverId | driver.id | driver_phone | driver_license | junk
    person: int | None  # person_key of the event (L3)


# Weighted towards usable evidence (a lead table, an existing row, a driver of the dataset),
# so that links, conflicts and ambiguity all happen, not only the refusals.
events = st.builds(
    Event,
    table=st.sampled_from((*LEAD_TABLES, *LEAD_TABLES, *LEAD_TABLES, "drivers")),
    lead=st.one_of(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3), st.none()),
    driver=st.one_of(st.integers(0, 7), st.integers(0, 7), st.none()),
    key=st.sampled_from(
        ("driver_id", "driverId", "driver.id", "driver_phone", "driver_license", "junk")
    ),
    person=st.one_of(st.none(), st.integers(0, 5)),
)
datasets = st.fixed_dictionaries(
    {
        # driver i belongs to person owner[i]; its phone and license come from small pools.
        "owners": st.lists(st.integers(0, 5), min_size=1, max_size=8),
        "phones": st.lists(st.sampled_from(PHONES), min_size=8, max_size=8),
        "licenses": st.lists(st.sampled_from(LICENSES), min_size=8, max_size=8),
        "healthy": st.sets(st.integers(0, 5), max_size=3),  # persons with a lead link already
        "owned_leads": st.sets(st.tuples(st.sampled_from(LEAD_TABLES), st.integers(0, 3))),
        "events": st.lists(events, min_size=2, max_size=14),
        "quarantined": st.sets(st.integers(0, 7), max_size=3),  # earlier quarantine rows
    }
)


def build(engine: Engine, spec: dict[str, Any]) -> list[str]:
    data = CT4(engine)
    persons = [data.person(name=f"P{n}") for n in range(6)]
    drivers = []
    for index, owner in enumerate(spec["owners"]):
        driver = f"DRV-{index}"
        data.driver(
            driver,
            persons[owner],
            phone=spec["phones"][index],
            license_number=spec["licenses"][index],
        )
        drivers.append(driver)
    leads = {table: [data.lead(table) for _ in range(4)] for table in LEAD_TABLES}
    for person in spec["healthy"]:
        data.link(persons[person], "module_ct_migrations", data.lead("module_ct_migrations"))
    for n, (table, lead) in enumerate(sorted(spec["owned_leads"])):
        data.link(persons[n % 6], table, leads[table][lead])  # a lead someone already owns
    for n, event in enumerate(spec["events"]):
        if event.table == "drivers" or event.lead is None:
            source_pk = f"missing-{n}"
        else:
            source_pk = leads[event.table][event.lead]
        payload: Any = {"junk": [1, {"x": None}]}
        if event.driver is not None:
            index = event.driver % len(drivers)
            payload = {
                "driver_id": {"driver_id": drivers[index]},
                "driverId": {"driverId": f" {drivers[index]} "},
                "driver.id": {"driver": {"id": drivers[index]}},
                "driver_phone": {"driver_phone": spec["phones"][index]},
                "driver_license": {"driver_license": spec["licenses"][index]},
                "junk": "a string payload",
            }[event.key]
        person = persons[event.person] if event.person is not None else None
        try:
            data.event(event.table, source_pk, payload, person=person)
        except Exception:  # (source_table, source_pk) is unique: a second event is skipped
            continue
    for index in spec["quarantined"]:
        if index < len(drivers) and data.quarantine_row(drivers[index]) is None:
            owner = persons[spec["owners"][index]]
            data.quarantine(drivers[index], owner)
    return drivers


def lead_persons(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(
            conn.execute(
                text(
                    "select distinct person_key::text from canon.identity_links "
                    "where source_table = any(:tables)"
                ),
                {"tables": list(LEAD_TABLES)},
            ).scalars()
        )


def links(engine: Engine) -> dict[tuple[str, str], str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("select source_table, source_pk, person_key::text from canon.identity_links")
        ).all()
    return {(table, pk): person for table, pk, person in rows}


def history(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                text(
                    "select id, driver_id, from_status::text, to_status::text, to_reason::text "
                    "from canon.driver_orphan_quarantine_history order by id"
                )
            )
        ]


def check_rules(engine: Engine, candidates: set[str]) -> None:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "select driver_id, person_key::text, status::text "
                "from canon.driver_orphan_quarantine"
            )
        ).all()
    statuses = {driver: (person, status) for driver, person, status in rows}
    with_lead = lead_persons(engine)
    # Every candidate ends the run with exactly one row (driver_id is the key).
    assert candidates <= set(statuses)
    for driver, (person, status) in statuses.items():
        if status.startswith("resolved_"):
            assert person in with_lead, driver
        if status == "quarantined":
            assert person not in with_lead, driver
    # The last transition of every row is its current status.
    last: dict[str, str] = {}
    for _, driver, _, to_status, _ in history(engine):
        last[driver] = to_status
    assert {driver: status for driver, (_, status) in statuses.items()} == last
    assert integrity.count_operational_orphans(engine).passed


def candidates_now(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(
            conn.execute(
                text(
                    "select driver_link.source_pk from canon.identity_links as driver_link "
                    "where driver_link.source_table = 'drivers' and not exists ("
                    "select 1 from canon.identity_links as lead "
                    "where lead.person_key = driver_link.person_key "
                    "and lead.source_table = any(:tables)) "
                    "union select driver_id from canon.driver_orphan_quarantine "
                    "where status = 'quarantined'"
                ),
                {"tables": list(LEAD_TABLES)},
            ).scalars()
        )


def purge(engine: Engine, driver: str) -> None:
    review.review(engine, "purge", driver_id=driver, reviewer="prop", notes="", execute=True)


def test_the_rules_hold_on_generated_datasets(
    module_databases: DatabaseFactory, reports_root: Any
) -> None:
    seen = dict.fromkeys(
        ("links_created", "resolved_relinked", "quarantined", "ambiguous", "conflicts", "purged"), 0
    )

    @settings(
        max_examples=12,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(spec=datasets, purge_first=st.booleans())
    def check(spec: dict[str, Any], purge_first: bool) -> None:
        engine = module_databases.create("prop")
        try:
            build(engine, spec)
            candidates = candidates_now(engine)
            before = snapshot(engine, TABLES)
            links_before = links(engine)

            options = fix.FixOptions(execute=False, lock_wait_seconds=5)
            dry = fix.run_fix(engine, options)
            assert snapshot(engine, TABLES) == before  # a dry run changes nothing

            executed = fix.run_fix(engine, fix.FixOptions(execute=True, lock_wait_seconds=5))
            assert executed.stats == dry.stats  # and it said what the execute does
            for key in seen:
                seen[key] += executed.stats.get(key, 0) > 0
            assert executed.stats["processed"] == len(candidates)
            check_rules(engine, candidates)
            links_after = links(engine)
            for key, person in links_before.items():  # no link ever moves to another person
                assert links_after[key] == person

            once = snapshot(engine, TABLES)
            fix.run_fix(engine, fix.FixOptions(execute=True, lock_wait_seconds=5))
            assert snapshot(engine, TABLES) == once  # executing twice equals executing once

            with engine.connect() as conn:
                statuses = dict(
                    conn.execute(
                        text("select driver_id, status::text from canon.driver_orphan_quarantine")
                    ).all()
                )
            target = next((d for d, s in sorted(statuses.items()) if s == "quarantined"), None)
            resolved = next((d for d, s in sorted(statuses.items()) if s != "quarantined"), None)
            earlier = history(engine)
            if purge_first and target:
                purge(engine, target)
                seen["purged"] += 1
            if resolved:  # purge only from quarantined
                try:
                    purge(engine, resolved)
                    raise AssertionError(f"purged {resolved}, which was {statuses[resolved]}")
                except review.ReviewRefused:
                    pass
            fix.run_fix(engine, fix.FixOptions(execute=True, lock_wait_seconds=5))
            later = history(engine)
            assert later[: len(earlier)] == earlier  # history is append-only
            check_rules(engine, set())
            if purge_first and target:
                row = CT4(engine).quarantine_row(target)
                assert row is not None and row["status"] == "purged"  # purged is final
        finally:
            engine.dispose()

    check()
    # The generated datasets reached every kind of outcome, not only the easy ones.
    assert all(seen.values()), seen


# Issue 23, point 4: whatever runs, reviews and undos follow each other, no orphan is left
# operational and no view shows an excluded driver, after every single step.
# Each block is a few steps; undo_last takes back the latest decision, after whatever ran since.
BLOCKS = (
    ("run",),
    ("relink",),
    ("relink", "run", "undo_last"),
    ("create-lead", "run", "undo_last"),
    ("purge", "undo_last"),
    ("relink_owned",),
    ("undo",),
    ("ingest_lead", "run"),
)
blocks = st.lists(st.tuples(st.sampled_from(BLOCKS), st.integers(0, 9)), min_size=2, max_size=5)


def one_step(engine: Engine, data: CT4, step: str, pick: int, free_leads: list[str]) -> None:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "select driver_id, status::text, person_key::text "
                "from canon.driver_orphan_quarantine order by driver_id"
            )
        ).all()
    waiting = [row for row in rows if row[1] == "quarantined"]
    if step == "run":
        fix.run_fix(engine, fix.FixOptions(execute=True, lock_wait_seconds=5))
        return
    if step == "ingest_lead":  # CT4 links a lead to a person of the dataset
        if rows:
            person = rows[pick % len(rows)][2]
            if person is not None:
                data.link(person, "module_ct_migrations", data.lead("module_ct_migrations"))
        return
    if step == "undo_last":  # the latest decision, after whatever ran since
        with engine.connect() as conn:
            last = conn.execute(
                text(
                    "select driver_id from canon.driver_orphan_quarantine_history "
                    "where actor = 'prop' and evidence ->> 'action' <> 'undo' "
                    "order by id desc limit 1"
                )
            ).scalar()
        target: list[Any] = [(last,)] if last else [None]
        step = "undo"
    else:
        target = (rows if step == "undo" else waiting) or [None]
    chosen = target[pick % len(target)]
    if chosen is None:
        return
    extra: dict[str, str] = {}
    if step in ("relink", "relink_owned"):
        if step == "relink":
            extra = {"source_table": "module_ct_cabinet_leads", "source_pk": free_leads[pick]}
        else:  # a lead row someone may own already: refused, or already this person's
            with engine.connect() as conn:
                owned = conn.execute(
                    text(
                        "select source_table, source_pk from canon.identity_links "
                        "where source_table = 'module_ct_migrations' order by id limit 1"
                    )
                ).first()
            if owned is None:
                return
            extra = {"source_table": owned[0], "source_pk": owned[1]}
    action = "relink" if step.startswith("relink") else step
    # A refused decision writes nothing: the invariants still hold after it.
    with contextlib.suppress(review.ReviewRefused):
        review.review(
            engine, action, driver_id=chosen[0], reviewer="prop", notes="", execute=True, **extra
        )


def test_integrity_and_exclusion_hold_after_every_run_review_and_undo(
    module_databases: DatabaseFactory, reports_root: Any
) -> None:
    seen = dict.fromkeys(("requarantined", "undone", "relinked", "purged"), 0)

    @settings(
        max_examples=9, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    @given(owners=st.lists(st.integers(0, 3), min_size=2, max_size=7), script=blocks)
    def check(owners: list[int], script: list[tuple[tuple[str, ...], int]]) -> None:
        engine = module_databases.create("undo")
        try:
            data = CT4(engine)
            persons = [data.person(name=f"P{n}") for n in range(4)]
            for index, owner in enumerate(owners):  # persons with several drivers
                data.driver(f"U-{index}", persons[owner], phone=f"98700{index:04d}")
            free = [data.lead("module_ct_cabinet_leads", external_id=f"F-{n}") for n in range(10)]
            fix.run_fix(engine, fix.FixOptions(execute=True, lock_wait_seconds=5))
            for block, pick in script:
                for step in block:
                    before = len(history(engine))
                    one_step(engine, data, step, pick, free)
                    assert integrity.count_operational_orphans(engine).passed, (step, pick)
                    assert integrity.count_ops_view_leaks(engine).passed, (step, pick)
                    assert integrity.count_quarantine_audit_gaps(engine).passed, (step, pick)
                    changed = {change[1] for change in history(engine)[before:]}
                    undo = step.startswith("undo")
                    seen["undone"] += undo and bool(changed)
                    seen["requarantined"] += undo and len(changed) > 1
                    seen["relinked"] += step == "relink" and bool(changed)
                    seen["purged"] += step == "purge" and bool(changed)
        finally:
            engine.dispose()

    check()
    assert all(seen.values()), seen
