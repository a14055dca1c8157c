"""CT4 as it really is (`../shared/spec/ct4/ct4_real_schema.sql`): the project installed on a
database CT4's own migrations built, with and without CT4's views, and on its own subset, holding
orphans of every kind of domain.md planted with CT4's realities: `''` for missing phones and
licenses, cabinet leads keyed by external_id else id, scouting rows linked under CT4's md5 key,
CT4's own quarantine rows from before the project (with their evidence), `driver_direct` driver
links from CT4's ingestion, timestamp lead dates and trips.

One scenario per flavor: install (`db upgrade`, its report, `db grant`), a dry run that changes
no CT4 row and consumes no sequence value, an execute, a second execute that writes nothing,
every review action and its undo (previews that consume nothing), the API and the page, the
leak check over every view (CT4's included), and CT4's own objects left as domain.md allows.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from orphans_pipeline.api.app import PREFIX, create_app
from orphans_pipeline.api.settings import ApiSettings
from orphans_pipeline.core import guard, install, integrity, review, schema
from orphans_pipeline.core.review import ReviewRefused
from orphans_pipeline_tests.conftest import DatabaseFactory, FlavorTemplates
from orphans_pipeline_tests.ct4 import CT4
from orphans_pipeline_tests.pipeline_helpers import run_fix
from orphans_pipeline_tests.real_ct4 import CT4_ALEMBIC_REVISION

CABINET, SCOUTING, MIGRATIONS = (
    "module_ct_cabinet_leads",
    "module_ct_scouting_daily",
    "module_ct_migrations",
)
QUARANTINED, RELINKED, PURGED = "quarantined", "resolved_relinked", "purged"
REPAIR_FAILED, NO_EVENTS = "no_lead_has_events_repair_failed", "no_lead_no_events"
HAS_EVENTS, LEGACY = "no_lead_has_events", "legacy_driver_without_origin"

# Each planted driver's quarantine row (status, reason) after the first execute; None: no row.
EXPECTED: dict[str, tuple[str, str] | None] = {
    "R01": (RELINKED, HAS_EVENTS),  # L1 on a cabinet lead keyed by external_id
    "7000002": (RELINKED, HAS_EVENTS),  # L1 (a number) on a cabinet lead keyed by id
    "R03": (RELINKED, HAS_EVENTS),  # L2 license on a scouting row nobody links
    "R04": (QUARANTINED, REPAIR_FAILED),  # L2 phone on a scouting row CT4 linked (md5 key)
    "R05": None,  # its person owns its scouting row under the md5 key: no orphan
    "R06": (QUARANTINED, REPAIR_FAILED),  # L3 only
    "R07": (QUARANTINED, NO_EVENTS),  # '' phone and license: none matches nothing
    "R08": (QUARANTINED, REPAIR_FAILED),  # L1 on a scouting row that does not exist
    "R09": (RELINKED, HAS_EVENTS),  # repaired ...
    "R10": (RELINKED, NO_EVENTS),  # ... and its person's other driver released
    "R11": (QUARANTINED, NO_EVENTS),  # CT4's own quarantine row, still an orphan
    "R12": (RELINKED, LEGACY),  # CT4's own row whose person got a lead link since
    "R13": (PURGED, LEGACY),  # purged by CT4 before: final
    "R14": (QUARANTINED, NO_EVENTS),  # CT4's ingestion: driver_direct, no lead link
    "R15": (QUARANTINED, REPAIR_FAILED),  # L2 phone matching two persons: ambiguous
    "R16": (QUARANTINED, REPAIR_FAILED),
    "R20": None,  # a healthy driver
}
CT4_EVIDENCE = {"detected_by": "ct4 migration 014 backfill", "note": "no origin found"}


def scouting_key(scout_id: int | None, phone: str, license_: str, day: date) -> str:
    """CT4's DataContract key of a scouting row (domain.md), computed here independently."""
    cleaned = "".join(c for c in phone if not c.isspace() and c not in "-()+")
    license_key = "".join(c for c in license_.upper() if not c.isspace() and c != "-")
    key = f"{scout_id}|{cleaned if len(cleaned) >= 8 else ''}|{license_key}|{day.isoformat()}"
    return hashlib.md5(key.encode()).hexdigest()


@dataclass
class Planted:
    persons: dict[str, str]
    free_cabinet_lead: str
    md5_scouting_row: str


def plant(ct4: CT4, *, ct4_quarantine: bool) -> Planted:
    """Every kind of orphan of domain.md, written as CT4 writes them. `ct4_quarantine`: CT4's
    own quarantine rows are written here (a database before the project: no history)."""
    persons: dict[str, str] = {}

    def driver(driver_id: str, **values: Any) -> str:
        persons[driver_id] = ct4.driver(driver_id, **values)
        return persons[driver_id]

    # CT4's ingestion fills what a driver lacks with '' (canon.drivers_index does too).
    driver("R01", phone="", license_number="")
    ext = ct4.lead(CABINET, external_id="EXT-R01", lead_created_at=datetime(2025, 8, 9, 14, 30))
    ct4.event(CABINET, ext, {"driver_id": "R01", "park_phone": ""})

    driver("7000002", phone="", license_number="")
    by_id = ct4.lead(CABINET, lead_created_at=datetime(2025, 8, 10, 9, 0))
    ct4.event(CABINET, by_id, {"driverId": 7000002})

    driver("R03", license_number="q3-1234567")
    row3 = ct4.lead(SCOUTING, scout_id=7, driver_license="Q31234567")
    ct4.event(SCOUTING, row3, {"driver_license": "Q3 1234567"})

    # CT4's scouting ingestion linked this row, under its md5 key, to another person.
    driver("R04", phone="+51 987 000 004")
    other = ct4.person(name="Owner Of The Scouting Row")
    row4 = ct4.lead(
        SCOUTING,
        scout_id=7,
        driver_phone="987-000-004",
        driver_license="",
        registration_date=date(2025, 9, 1),
    )
    ct4.link(
        other,
        SCOUTING,
        scouting_key(7, "987-000-004", "", date(2025, 9, 1)),
        match_rule="SCOUTING_MATCH",
    )
    ct4.event(SCOUTING, row4, {"driver_phone": "987000004"})

    # Its own person linked its scouting row under the md5 key: it has a lead link.
    p5 = driver("R05", phone="987000005")
    ct4.lead(
        SCOUTING,
        scout_id=None,
        driver_phone="987 000 005",
        driver_license="b5-55555",
        registration_date=date(2025, 9, 2),
    )
    ct4.link(p5, SCOUTING, scouting_key(None, "987 000 005", "b5-55555", date(2025, 9, 2)))

    p6 = driver("R06", phone="987000006")
    ct4.event(MIGRATIONS, ct4.lead(MIGRATIONS, driver_id="someone-else"), {}, person=p6)

    driver("R07", phone="", license_number="")
    ct4.event(
        CABINET, ct4.lead(CABINET), {"driver_phone": "", "driver_license": "", "park_phone": ""}
    )

    driver("R08", phone="987000008")
    ct4.event(SCOUTING, "999999", {"driver_id": "R08"})

    p9 = driver("R09", phone="987000009")
    ct4.event(MIGRATIONS, ct4.lead(MIGRATIONS, driver_id="R09"), {"driver": {"driver_id": "R09"}})
    ct4.driver("R10", p9, phone="987000010")
    persons["R10"] = p9

    driver("R11", phone="987000011")
    p12 = driver("R12", phone="987000012")
    ct4.link(p12, CABINET, ct4.lead(CABINET, external_id="EXT-R12"))
    persons["R13"] = ct4.person()  # its driver link was purged by CT4

    # CT4's ingestion pattern: a new person and a driver_direct link in one transaction.
    p14 = ct4.person(phone="987000014")
    ct4.link(
        p14,
        "drivers",
        "R14",
        match_rule="driver_direct",
        evidence={"created_by": "ensure_driver_identity_link", "has_lead": True},
    )
    ct4.insert("public.drivers", driver_id="R14", phone="987000014")
    ct4.lead(MIGRATIONS, driver_id="R14")  # a migrations row naming it, but no lead link
    persons["R14"] = p14

    driver("R15", phone="987001516")
    driver("R16", phone="+51 987001516")
    ct4.event(CABINET, ct4.lead(CABINET), {"driver_phone": "987001516"})

    p20 = driver("R20", phone="987000020")
    ct4.link(p20, CABINET, ct4.lead(CABINET, external_id="EXT-R20"))
    for driver_id in ("R07", "R20", "R06"):
        for day in range(1, 8):
            ct4.insert(
                "public.summary_daily",
                driver_id=driver_id,
                date_file=f"{day:02d}-09-2025",
                count_orders_completed=6,
                sum_work_time_seconds=3600,
            )
    if ct4_quarantine:
        plant_ct4_quarantine_rows(ct4, persons)
    return Planted(persons, ct4.lead(CABINET, external_id="EXT-FREE"), row4)


def plant_ct4_quarantine_rows(ct4: CT4, persons: dict[str, str]) -> None:
    """CT4's own rows, as its migration-014 tooling wrote them before the project (no
    history); on the subset, written by an owner with the history triggers off."""
    for driver_id, status in (("R11", QUARANTINED), ("R12", QUARANTINED), ("R13", PURGED)):
        ct4.insert(
            "canon.driver_orphan_quarantine",
            driver_id=driver_id,
            person_key=persons[driver_id],
            detected_at=datetime(2025, 12, 1),
            detected_reason=LEGACY,
            creation_rule="LEGACY_DRIVER_IMPORT",
            evidence_json={**CT4_EVIDENCE, "driver_id": driver_id},
            status=status,
        )


def ct4_rows(engine: Engine) -> dict[str, str]:
    """A digest of every row of every CT4 table (all but the project's own)."""
    digests = {}
    with engine.connect() as conn:
        tables = conn.execute(
            text(
                "select format('%I.%I', table_schema, table_name) from information_schema.tables "
                "where table_type = 'BASE TABLE' and table_schema in "
                "('canon', 'observational', 'public', 'ops') and table_name not in "
                "('driver_orphan_quarantine_history', 'orphans_pipeline_alembic_version') "
                "order by 1"
            )
        ).scalars()
        for table in tables:
            # The table's name comes from the catalog above, never from input.
            digest = "select coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from "
            rows = conn.execute(text(digest + table + " as t")).scalar_one()
            digests[table] = rows
    return digests


def ct4_sequences(engine: Engine) -> dict[str, int | None]:
    with engine.connect() as conn:
        return {
            f"{schema_}.{name}": value
            for schema_, name, value in conn.execute(
                text(
                    "select schemaname, sequencename, last_value from pg_sequences "
                    "where schemaname in ('canon', 'observational', 'public', 'ops') order by 1, 2"
                )
            ).all()
        }


def ct4_objects(engine: Engine) -> dict[str, Any]:
    """CT4's own objects as domain.md protects them: its alembic_version, its views (definition,
    and column names and types in order) and its functions."""
    with engine.connect() as conn:
        version = (
            conn.execute(text("select version_num from public.alembic_version")).all()
            if conn.execute(text("select to_regclass('public.alembic_version')")).scalar()
            else None
        )
        views = {
            name: (definition, columns)
            for name, definition, columns in conn.execute(
                text(
                    "select format('%I.%I', n.nspname, c.relname), pg_get_viewdef(c.oid), "
                    "array(select a.attname || ' ' || format_type(a.atttypid, a.atttypmod) "
                    "from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 "
                    "and not a.attisdropped order by a.attnum) "
                    "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                    "where c.relkind = 'v' and n.nspname in ('ops', 'observational')"
                )
            ).all()
        }
        functions = dict(
            conn.execute(
                text(
                    "select p.oid::regprocedure::text, pg_get_functiondef(p.oid) from pg_proc p "
                    "join pg_namespace n on n.oid = p.pronamespace "
                    "where n.nspname in ('canon', 'ops', 'observational')"
                )
            ).all()
        )
    return {"alembic_version": version, "views": views, "functions": functions}


def quarantine(engine: Engine) -> dict[str, tuple[str, str]]:
    with engine.connect() as conn:
        return {
            driver_id: (status, reason)
            for driver_id, status, reason in conn.execute(
                text(
                    "select driver_id, status::text, detected_reason::text "
                    "from canon.driver_orphan_quarantine"
                )
            ).all()
        }


@pytest.fixture
def installed(
    module_databases: DatabaseFactory, flavor_templates: FlavorTemplates, flavor: str
) -> tuple[Engine, Planted, dict[str, Any], install.UpgradeReport]:
    """The flavor's CT4 before the project, planted, then `db upgrade` (as its README says)."""
    if flavor == "subset":
        engine = module_databases.create_empty()
        schema.create_ct4(engine)
    else:
        engine = module_databases.create("raw", template=flavor_templates(f"{flavor}_raw"))
    ct4 = CT4(engine)
    real = flavor != "subset"
    planted = plant(ct4, ct4_quarantine=real)
    before = ct4_objects(engine)
    report = install.upgrade(engine)
    if not real:  # the subset had no quarantine before the project: rows written since
        plant_ct4_quarantine_rows(ct4, planted.persons)
    return engine, planted, before, report


def test_install_adopts_ct4_and_keeps_its_objects(
    installed: tuple[Engine, Planted, dict[str, Any], install.UpgradeReport], flavor: str
) -> None:
    engine, _, before, report = installed
    lines = "\n".join(install.report_lines(report))
    assert report.revision_after == schema.head_revision()
    assert "Created" in lines and "orphans.v_driver_orphans" in lines
    with engine.connect() as conn:
        indexes = conn.execute(
            text(
                "select count(*) from pg_index i join pg_attribute a on a.attrelid = i.indrelid "
                "and a.attnum = i.indkey[0] where i.indrelid = "
                "'canon.driver_orphan_quarantine'::regclass and i.indnatts = 1 "
                "and a.attname = 'status'"
            )
        ).scalar_one()
    assert indexes == 1  # no second index beside CT4's (or the project's own)
    after = ct4_objects(engine)
    assert after["functions"] == before["functions"]
    if flavor == "subset":
        assert guard.guard_state(engine).mode == "enforce"  # type: ignore[union-attr]
        return
    assert after["alembic_version"] == [(CT4_ALEMBIC_REVISION,)]
    assert "table canon.driver_orphan_quarantine" in report.adopted
    assert "index canon.idx_driver_orphan_quarantine_status" in report.adopted
    assert report.adopted_rows == 3
    assert guard.guard_state(engine).mode == "record"  # type: ignore[union-attr]
    filtered = {
        "ops.v_cabinet_milestones_achieved_from_trips",
        "observational.v_conversion_metrics",
    } & set(before["views"])
    assert set(report.filtered_views) == filtered
    for name, (definition, columns) in before["views"].items():
        assert name in after["views"], f"CT4's view {name} was dropped"
        assert after["views"][name][1] == columns, f"CT4's view {name} changed its columns"
        if name not in filtered:
            assert after["views"][name][0] == definition, f"CT4's view {name} was changed"
    assert set(report.kept_views) == set(before["views"]) - filtered
    # Adopted with the evidence CT4 gave them, before anything changes them.
    history = CT4(engine).history("R11")
    assert [(h["from_status"], h["to_status"], h["actor"]) for h in history] == [
        (None, QUARANTINED, "pipeline")
    ]
    assert history[0]["evidence"] == {**CT4_EVIDENCE, "driver_id": "R11"}
    assert integrity.count_quarantine_audit_gaps(engine).passed


@pytest.mark.usefixtures("reports_root")
def test_runs_reviews_and_views_on_every_ct4(
    installed: tuple[Engine, Planted, dict[str, Any], install.UpgradeReport], flavor: str
) -> None:
    engine, planted, _, _ = installed
    rows, sequences = ct4_rows(engine), ct4_sequences(engine)
    dry = run_fix(engine, execute=False)
    assert ct4_rows(engine) == rows and ct4_sequences(engine) == sequences
    first = run_fix(engine)
    assert first.success and first.stats == dry.stats
    got = quarantine(engine)
    assert {d: got.get(d) for d in EXPECTED} == EXPECTED
    ct4 = CT4(engine)
    # The scouting row CT4 linked to another person under its md5 key was not taken.
    assert (
        ct4.rows("canon.identity_links", source_table=SCOUTING, source_pk=planted.md5_scouting_row)
        == []
    )
    r04 = ct4.quarantine_row("R04")
    assert r04 is not None
    assert [event["why"] for event in r04["evidence_json"]["lead_events"]] == ["conflict"]
    # Adoption keeps CT4's evidence; every check holds from the first execute.
    assert ct4.history("R11")[0]["evidence"] == {**CT4_EVIDENCE, "driver_id": "R11"}
    for check in (
        integrity.count_operational_orphans,
        integrity.count_ops_view_leaks,
        integrity.count_quarantine_audit_gaps,
    ):
        result = check(engine)
        assert result.passed, (check.__name__, result)
    leaks = integrity.count_ops_view_leaks(engine)
    assert leaks.details["views"] >= (13 if flavor == "real" else 9)
    # A second execute writes nothing.
    history_rows = len(ct4.rows("canon.driver_orphan_quarantine_history"))
    second = run_fix(engine)
    assert second.stats["links_created"] == 0 and second.applied is not None
    assert second.applied.quarantine_rows_written == 0
    assert len(ct4.rows("canon.driver_orphan_quarantine_history")) == history_rows

    # Reviews: previews change no CT4 row and consume no sequence value; each action applies
    # and is undone.
    rows, sequences = ct4_rows(engine), ct4_sequences(engine)

    def act(action: str, driver_id: str, execute: bool, **more: str) -> review.ReviewOutcome:
        return review.review(
            engine,
            action,
            driver_id=driver_id,
            reviewer="ana",
            notes="checked",
            execute=execute,
            **more,
        )

    relink = {"source_table": CABINET, "source_pk": planted.free_cabinet_lead}
    previews = [
        act("relink", "R07", False, **relink),
        act("create-lead", "R08", False),
        act("purge", "R14", False),
    ]
    assert [p.to_status for p in previews] == [RELINKED, "resolved_created_lead", PURGED]
    assert ct4_rows(engine) == rows and ct4_sequences(engine) == sequences
    with pytest.raises(ReviewRefused, match="belongs to person"):
        act("relink", "R04", True, source_table=SCOUTING, source_pk=planted.md5_scouting_row)
    done = [
        act("relink", "R07", True, **relink),
        act("create-lead", "R08", True),
        act("purge", "R14", True),
    ]
    # The preview showed the ids the execute got.
    assert done[0].details["link_id"] == previews[0].details["link_id"]
    assert done[1].details["lead_id"] == previews[1].details["lead_id"]
    assert integrity.count_ops_view_leaks(engine).passed
    for outcome in done:
        undone = act("undo", outcome.driver_id, True)
        assert undone.to_status == QUARANTINED
    # Each undo took back exactly what its decision wrote (the purged link is back, its id too).
    assert ct4_rows(engine) == rows
    assert ct4.rows("canon.identity_links", source_pk="R14")[0]["match_rule"] == "driver_direct"
    for check in (integrity.count_operational_orphans, integrity.count_quarantine_audit_gaps):
        assert check(engine).passed

    # The API and the page read the project's own list, whatever ops.v_driver_orphans is.
    with TestClient(create_app(ApiSettings(api_token="t"), engine=lambda: engine)) as api:
        listed = api.get(PREFIX, params={"status": QUARANTINED, "page_size": 100}).json()
        assert {o["driver_id"] for o in listed["orphans"]} >= {"R04", "R11", "R14"}
        assert api.get(f"{PREFIX}/metrics").json()["quarantined"] == len(
            [d for d, s in quarantine(engine).items() if s[0] == QUARANTINED]
        )
        page = api.get("/orphans/R04")
        assert page.status_code == 200
        assert "2025-09-01" in page.text and "2025-09-01 00:00:00" not in page.text
        assert "Owner Of The Scouting Row" in page.text
        history = api.get(f"{PREFIX}/R11/history").json()
        assert history["transitions"][0]["evidence"] == {**CT4_EVIDENCE, "driver_id": "R11"}


def test_ct4_ingestion_under_each_guard_mode(flavored_engine: Engine) -> None:
    """CT4's ingestion writes a new person and a driver_direct driver link in one transaction,
    before any lead link: refused in enforce, accepted and recorded in record, let through in
    off; a session setting changes nothing."""
    ct4 = CT4(flavored_engine)

    def ingest(driver_id: str, *, setting: bool = False) -> None:
        person = str(uuid.uuid4())
        with flavored_engine.begin() as conn:
            if setting:
                conn.execute(text("select set_config('orphans.driver_link_guard', 'off', true)"))
            conn.execute(
                text(
                    "insert into canon.identity_registry (person_key, confidence_level) "
                    "values (:person, 'HIGH')"
                ),
                {"person": person},
            )
            conn.execute(
                text(
                    "insert into canon.identity_links (person_key, source_table, source_pk, "
                    "snapshot_date, match_rule, match_score, confidence_level, evidence) "
                    "values (:person, 'drivers', :driver, now(), 'driver_direct', 100, 'HIGH', "
                    "cast(:evidence as jsonb))"
                ),
                {
                    "person": person,
                    "driver": driver_id,
                    "evidence": json.dumps({"created_by": "ensure_driver_identity_link"}),
                },
            )

    guard.set_guard_mode(flavored_engine, "enforce")
    for setting in (False, True):
        with pytest.raises(DBAPIError, match="has no lead link"):
            ingest("ENF-1", setting=setting)
    assert ct4.rows("canon.identity_links", source_pk="ENF-1") == []
    guard.set_guard_mode(flavored_engine, "record")
    ingest("REC-1")
    assert len(ct4.rows("canon.identity_links", source_pk="REC-1")) == 1
    assert guard.recorded_driver_links(flavored_engine, None) == (1, ["REC-1"])
    recorded = ct4.rows("orphans.recorded_driver_links")[0]
    assert recorded["match_rule"] == "driver_direct" and recorded["transaction_id"]
    guard.set_guard_mode(flavored_engine, "off")
    ingest("OFF-1")
    assert len(ct4.rows("canon.identity_links", source_pk="OFF-1")) == 1
    assert guard.recorded_driver_links(flavored_engine, None)[0] == 1


def test_dagster_storage_never_meets_ct4s_tables(
    flavored_engine: Engine, flavor: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A storage URL on CT4's database without a schema of its own (CT4's public, with CT4's
    alembic_version on real CT4) is refused before Dagster writes anything, naming the fix;
    the default (schema dagster of the same database) is accepted."""
    from orphans_pipeline import instance
    from orphans_pipeline.core import settings
    from orphans_pipeline.core.storage import StorageRefused
    from orphans_pipeline_tests.conftest import url_of

    url = url_of(flavored_engine)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("ORPHANS_DAGSTER_ARTIFACTS", str(tmp_path / "artifacts"))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ORPHANS_DAGSTER_STORAGE_URL", settings.with_driver(url, "psycopg2"))
    with pytest.raises(StorageRefused, match=r"its own database .* or a schema of its own"):
        instance.prepare_dagster_environment()
    with flavored_engine.connect() as conn:
        assert conn.execute(text("select to_regclass('public.runs')")).scalar() is None
    monkeypatch.delenv("ORPHANS_DAGSTER_STORAGE_URL")
    prepared = instance.prepare_dagster_environment()
    assert "search_path%3Ddagster" in prepared["ORPHANS_DAGSTER_STORAGE_URL"]


def test_a_ct4_without_the_projects_schema_is_named_so_at_every_door(
    module_databases: DatabaseFactory,
    flavor_templates: FlavorTemplates,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Real CT4 before `db upgrade` (where CT4's own ops.v_driver_orphans would answer the
    project's queries with CT4's columns): the CLI, the API, the page and the sensors each say,
    in one line and with no SQL text, that `db upgrade` is needed."""
    import dagster as dg

    from orphans_pipeline import cli
    from orphans_pipeline.defs.alerts import (
        orphans_freshness_alert_sensor,
        orphans_new_quarantine_alert_sensor,
    )
    from orphans_pipeline.defs.reconcile import orphans_dead_run_sensor
    from orphans_pipeline.defs.resources import AlertTargets, CT4Database
    from orphans_pipeline_tests.conftest import url_of

    engine = module_databases.create("raw", template=flavor_templates("real_raw"))
    monkeypatch.setenv("DATABASE_URL", url_of(engine))

    def one_line_naming_upgrade(message: str) -> None:
        assert "db upgrade" in message, message
        assert len(message.strip().splitlines()) == 1, message
        assert not any(word in message.lower() for word in ("select ", "line 1", " from ")), message

    for argv in (
        ["history", "R1"],
        ["review", "purge", "--driver-id", "R1", "--by", "ana"],
        ["review", "undo", "--driver-id", "R1", "--by", "ana", "--execute"],
        ["db", "grant"],
        ["db", "guard", "enforce"],
    ):
        assert cli.main(argv) != 0, argv
        one_line_naming_upgrade(capsys.readouterr().err)
    assert cli.main(["db", "status"]) == 1
    assert "db upgrade" in capsys.readouterr().out
    with TestClient(create_app(ApiSettings(api_token="t"), engine=lambda: engine)) as api:
        for path in (
            PREFIX,
            f"{PREFIX}/metrics",
            f"{PREFIX}/R1/history",
            "/orphans",
            "/orphans/R1",
        ):
            answer = api.get(path)
            assert answer.status_code == 503, (path, answer.text)
            one_line_naming_upgrade(answer.json()["detail"])
        purge = api.post(
            f"{PREFIX}/R1/purge", json={"reviewer": "ana"}, headers={"Authorization": "Bearer t"}
        )
        assert purge.status_code == 503
        one_line_naming_upgrade(purge.json()["detail"])
    with dg.DagsterInstance.ephemeral() as instance:
        for sensor in (
            orphans_new_quarantine_alert_sensor,
            orphans_freshness_alert_sensor,
            orphans_dead_run_sensor,
        ):
            context = dg.build_sensor_context(
                instance=instance,
                resources={
                    "ct4": CT4Database(database_url=url_of(engine)),
                    "alert_targets": AlertTargets.from_environment(),
                },
            )
            one_line_naming_upgrade(str(sensor(context).skip_message))


@pytest.mark.usefixtures("reports_root")
def test_db_downgrade_takes_out_exactly_what_the_project_added(
    installed: tuple[Engine, Planted, dict[str, Any], install.UpgradeReport],
    module_databases: DatabaseFactory,
    flavor_templates: FlavorTemplates,
    flavor: str,
) -> None:
    """Installed, run and reviewed, then `db downgrade`: every object of the database is as it
    was before the install (CT4's views with their own definitions again), but the audit
    record (the quarantine's history, kept with every row) and the enum value PostgreSQL
    cannot remove. A preview removes nothing."""
    engine, _, ct4_before, _ = installed
    run_fix(engine)
    review.review(engine, "purge", driver_id="R07", reviewer="ana", notes="", execute=True)
    if flavor == "subset":
        pristine = module_databases.create_empty()
        schema.create_ct4(pristine)
    else:
        pristine = module_databases.create("raw", template=flavor_templates(f"{flavor}_raw"))
    objects_before = install._objects(pristine)
    preview = install.downgrade(engine, execute=False)
    assert install._objects(engine) > objects_before and preview.removed
    report = install.downgrade(engine, execute=True)
    assert report.removed == preview.removed
    kept = install._objects(engine) - objects_before
    history_objects = {
        ("table", "canon.driver_orphan_quarantine_history"),
        ("sequence", "canon.driver_orphan_quarantine_history_id_seq"),
        ("index", "canon.driver_orphan_quarantine_history_pkey"),
        ("index", "canon.driver_orphan_quarantine_history_driver_idx"),
        ("index", "canon.driver_orphan_quarantine_history_run_idx"),
    }
    enum_value = {("enum value", "orphan_detected_reason.no_lead_has_events")}
    if flavor == "subset":  # the project created the quarantine itself: the audit record stays
        quarantine = {
            ("table", "canon.driver_orphan_quarantine"),
            ("index", "canon.driver_orphan_quarantine_pkey"),
            ("type", "orphan_status"),
            ("type", "orphan_detected_reason"),
            *(("enum value", f"orphan_status.{s}") for s in (QUARANTINED, RELINKED, PURGED)),
            ("enum value", "orphan_status.resolved_created_lead"),
            *(
                ("enum value", f"orphan_detected_reason.{reason}")
                for reason in (NO_EVENTS, REPAIR_FAILED, LEGACY, "manual_detection")
            ),
        }
        assert kept == history_objects | enum_value | quarantine
    else:
        assert kept == history_objects | enum_value
        assert install._objects(pristine) - install._objects(engine) == set()
    after = ct4_objects(engine)
    assert after["views"] == ct4_before["views"] and after["functions"] == ct4_before["functions"]
    assert CT4(engine).history("R07")  # the audit record, every row of it


@pytest.mark.usefixtures("reports_root")
def test_a_ct4_view_too_slow_to_read_is_named_not_assumed(flavored_engine: Engine) -> None:
    """Some of CT4's views cost more than linear time to read; the leak check gives each of
    CT4's views a time budget: one it could not read in time is named (`unverified`) and the
    check does not pass (WARN), while a leak in a view it read stays an ERROR naming it."""
    from orphans_pipeline.defs.checks import leaks_result

    ct4 = CT4(flavored_engine)
    ct4.quarantine("LEAKY", ct4.driver("LEAKY"))
    healthy = ct4.driver("HEALTHY")
    ct4.link(healthy, CABINET, ct4.lead(CABINET))
    with flavored_engine.begin() as conn:  # two views of CT4's own, as CT4 could add them
        conn.execute(
            text(
                # A window over every row: no driver filter can enter it (as CT4's own).
                "create view ops.v_ct4_slow as select driver_id from (select o.driver_id, "
                "count(*) over () as n from ops.v_operational_drivers as o "
                "cross join lateral (select pg_sleep(0.6)) as slow) as windowed"
            )
        )
        conn.execute(text("create view ops.v_ct4_leaky as select driver_id from public.drivers"))
        conn.execute(text("create view ops.v_ct4_on_slow as select driver_id from ops.v_ct4_slow"))
        conn.execute(
            text(
                "insert into orphans.ct4_views (view_name) "
                "values ('ops.v_ct4_slow'), ('ops.v_ct4_leaky'), ('ops.v_ct4_on_slow')"
            )
        )
    result = integrity.count_ops_view_leaks(flavored_engine, ct4_view_seconds=0.2)
    # The view built on the slow one is named too.
    assert result.details["unverified"] == ["ops.v_ct4_slow", "ops.v_ct4_on_slow"]
    assert result.details["per_view"] == {"ops.v_ct4_leaky": 1}
    assert (result.passed, result.driver_ids) == (False, ["LEAKY"])
    check = leaks_result(integrity.count_ops_view_leaks(flavored_engine))
    assert (check.passed, check.severity.value) == (False, "ERROR")
    with flavored_engine.begin() as conn:
        conn.execute(text("drop view ops.v_ct4_leaky"))
        conn.execute(text("delete from orphans.ct4_views where view_name = 'ops.v_ct4_leaky'"))
    result = integrity.count_ops_view_leaks(flavored_engine, ct4_view_seconds=0.2)
    assert (result.passed, result.count, result.details["unverified"]) == (
        False,
        0,
        ["ops.v_ct4_slow", "ops.v_ct4_on_slow"],
    )
    assert "remembered_cuts" not in result.details  # the check before read it in time
    # Cut by this budget just now, its definition unchanged: named without being read again.
    result = integrity.count_ops_view_leaks(flavored_engine, ct4_view_seconds=0.2)
    assert result.details["remembered_cuts"] == ["ops.v_ct4_slow"]
    assert result.details["unverified"] == ["ops.v_ct4_slow", "ops.v_ct4_on_slow"]
    # A larger budget reads it, and a read in time forgets the cut.
    assert integrity.count_ops_view_leaks(flavored_engine, ct4_view_seconds=5).passed
    result = integrity.count_ops_view_leaks(flavored_engine, ct4_view_seconds=0.2)
    assert "remembered_cuts" not in result.details and not result.passed
    # A changed definition is read again too.
    ct4.narrow_view("ops.v_ct4_slow")
    result = integrity.count_ops_view_leaks(flavored_engine, ct4_view_seconds=0.2)
    assert "remembered_cuts" not in result.details
    assert result.details["unverified"] == ["ops.v_ct4_slow", "ops.v_ct4_on_slow"]
    # No budget (0): every view read to its end, whatever was cut before.
    result = integrity.count_ops_view_leaks(flavored_engine, ct4_view_seconds=0)
    assert result.passed and "remembered_cuts" not in result.details
    # Remembered are only CT4's views of the check, under a budget of at most an hour.
    with flavored_engine.begin() as conn:
        for cut, budget in ((["ops.v_ct4_slow"], 86400), (["ops.v_operational_drivers"], 5)):
            conn.execute(
                text("select orphans.record_leak_check_cuts(:cut, '{}', :budget)"),
                {"cut": cut, "budget": budget},
            )
        assert conn.execute(text("select count(*) from orphans.leak_check_cuts")).scalar() == 0


TRIPS_MILESTONES = "ops.v_cabinet_milestones_achieved_from_trips"
FILTERED_VIEWS = ["observational.v_conversion_metrics", TRIPS_MILESTONES]


def _view_rows(engine: Engine, view: str, driver_id: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(f"select count(*) from {view} where driver_id = :d"),  # noqa: S608
                {"d": driver_id},
            ).scalar_one()
        )


@pytest.mark.usefixtures("reports_root")
def test_a_filtered_ct4_view_is_proven_by_its_definition_until_ct4_changes_it(
    module_databases: DatabaseFactory, flavor_templates: FlavorTemplates
) -> None:
    """CT4's two views given the operational filter leave quarantined and purged drivers out by
    construction: the leak check proves them by their definition and does not read them (CT4's
    v_conversion_metrics costs more than linear time to read), and reads the views built on
    them instead of leaving those unverified. Once CT4 changes one (here: its own definition
    back, without the filter), it is read again and its leak found."""
    engine = module_databases.create("real", template=flavor_templates("real"))
    ct4 = CT4(engine)
    ct4.quarantine("LEAKY", ct4.driver("LEAKY"))
    for day in range(1, 4):
        ct4.insert(
            "public.summary_daily",
            driver_id="LEAKY",
            date_file=f"{day:02d}-09-2025",
            count_orders_completed=6,
            sum_work_time_seconds=3600,
        )
    result = integrity.count_ops_view_leaks(engine, ct4_view_seconds=5)
    assert (result.passed, _ct4_proven(result.details["proven"])) == (True, FILTERED_VIEWS)
    assert "unverified" not in result.details
    assert _view_rows(engine, TRIPS_MILESTONES, "LEAKY") == 0
    with engine.begin() as conn:
        original = conn.execute(
            text("select original_definition from orphans.ct4_views where view_name = :v"),
            {"v": TRIPS_MILESTONES},
        ).scalar_one()
        conn.execute(text(f"create or replace view {TRIPS_MILESTONES} as {original}"))
    assert _view_rows(engine, TRIPS_MILESTONES, "LEAKY") > 0
    result = integrity.count_ops_view_leaks(engine, ct4_view_seconds=5)
    assert _ct4_proven(result.details["proven"]) == ["observational.v_conversion_metrics"]
    assert (result.passed, result.driver_ids) == (False, ["LEAKY"])
    assert TRIPS_MILESTONES in result.details["per_view"]


def test_a_filtered_view_ct4_changed_before_the_upgrade_is_not_proven(
    module_databases: DatabaseFactory, flavor_templates: FlavorTemplates
) -> None:
    """The revision that records the filtered definitions (0015) records only one still
    exactly the filter's: a view CT4 changed after revision 0012 filtered it stays read."""
    engine = module_databases.create("raw", template=flavor_templates("real_raw"))
    # CT4 adds a condition of its own on top of the filtered view.
    proven = _proven_once_changed_before(engine, "0014", TRIPS_MILESTONES)
    assert _ct4_proven(proven) == ["observational.v_conversion_metrics"]


def _proven_once_changed_before(engine: Engine, revision: str, view: str) -> list[str]:
    """The views proven by definition at head, `view` changed by CT4 at `revision` (a
    condition of its own on top of it)."""
    schema.upgrade(engine, revision)
    CT4(engine).narrow_view(view, alias="ct4_changed")
    schema.upgrade(engine)
    with engine.connect() as conn:
        return list(
            conn.execute(text("select view_name from orphans.views_proven_by_definition()"))
            .scalars()
            .all()
        )


def _ct4_proven(proven: list[str]) -> list[str]:
    return sorted(set(proven) & set(FILTERED_VIEWS))


FUNNEL = "ops.v_cabinet_funnel_status"
CLAIMS_EXPECTED, CLAIMS_GAP = "ops.v_cabinet_claims_expected_14d", "ops.v_cabinet_claims_gap_14d"
KEPT_PROVEN = [CLAIMS_EXPECTED, CLAIMS_GAP, FUNNEL]


def _kept_proven(proven: list[str]) -> list[str]:
    return sorted(set(proven) & set(KEPT_PROVEN))


@pytest.mark.usefixtures("reports_root")
def test_ct4_funnel_and_claims_views_are_proven_while_their_definition_and_the_data_allow(
    module_databases: DatabaseFactory, flavor_templates: FlavorTemplates
) -> None:
    """CT4's funnel and two claims views (20 s and more to read at 1,000,000 drivers) are
    proven by the definition CT4 ships (revision 0018) while no excluded driver could show in
    them: the funnel leaves quarantined drivers out itself, so only a purged driver with a
    driver link again could; the expected claims list only drivers whose person has a cabinet
    lead link; the gap passes the expected claims' drivers through. Each such case, and a
    definition CT4 changed, makes the check read the view (and find the leak)."""
    engine = module_databases.create("real", template=flavor_templates("real"))
    ct4 = CT4(engine)
    person = ct4.driver("LEAKY")
    ct4.quarantine("LEAKY", person)
    with engine.begin() as conn:  # the funnel cut by its budget before 0018 proved it
        conn.execute(
            text("select orphans.record_leak_check_cuts(:cut, '{}', 5)"), {"cut": [FUNNEL]}
        )
    result = integrity.count_ops_view_leaks(engine, ct4_view_seconds=5)
    assert (result.passed, _kept_proven(result.details["proven"])) == (True, KEPT_PROVEN)
    # Proven, the cut is forgotten: the day the proof no longer holds, the funnel is read.
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from orphans.leak_check_cuts")).scalar() == 0

    # The quarantined driver's person gets a cabinet lead link: the expected claims show it.
    lead = ct4.lead(CABINET, external_id="EXT-LEAKY", lead_created_at=datetime(2026, 3, 1))
    lead_link = ct4.link(person, CABINET, lead)
    assert _view_rows(engine, CLAIMS_EXPECTED, "LEAKY") == 3
    result = integrity.count_ops_view_leaks(engine, ct4_view_seconds=5)
    assert (result.passed, result.driver_ids) == (False, ["LEAKY"])
    assert result.details["per_view"] == {CLAIMS_EXPECTED: 3}
    # The gap is read too (a view it reads leaked), the funnel still proven.
    assert _kept_proven(result.details["proven"]) == [FUNNEL]
    with engine.begin() as conn:
        conn.execute(text("delete from canon.identity_links where id = :id"), {"id": lead_link})

    # A purged driver given a driver link again (CT4's ingestion): the funnel shows it.
    ct4.quarantine("PURGED", ct4.driver("PURGED"), status=PURGED)
    assert _view_rows(engine, FUNNEL, "PURGED") == 1
    result = integrity.count_ops_view_leaks(engine, ct4_view_seconds=5)
    assert (result.passed, result.driver_ids) == (False, ["PURGED"])
    assert result.details["per_view"] == {FUNNEL: 1}
    assert _kept_proven(result.details["proven"]) == [CLAIMS_EXPECTED, CLAIMS_GAP]
    with engine.begin() as conn:
        conn.execute(
            text(
                "delete from canon.identity_links where source_table = 'drivers' and source_pk = :d"
            ),
            {"d": "PURGED"},
        )
    assert integrity.count_ops_view_leaks(engine, ct4_view_seconds=5).passed

    # CT4 changes its funnel (an equivalent definition, but another one): read again.
    ct4.narrow_view(FUNNEL)
    result = integrity.count_ops_view_leaks(engine, ct4_view_seconds=5)
    assert result.passed and _kept_proven(result.details["proven"]) == [CLAIMS_EXPECTED, CLAIMS_GAP]


def test_a_kept_ct4_view_changed_before_the_upgrade_is_not_proven(
    module_databases: DatabaseFactory, flavor_templates: FlavorTemplates
) -> None:
    """Revision 0018's proofs are made for the definitions CT4 ships (the text in its files),
    not for whatever definition the upgrade finds: a funnel CT4 changed before is read."""
    engine = module_databases.create("raw", template=flavor_templates("real_raw"))
    proven = _proven_once_changed_before(engine, "0017", FUNNEL)
    assert _kept_proven(proven) == [CLAIMS_EXPECTED, CLAIMS_GAP]


def test_a_project_view_changed_before_the_upgrade_is_kept_and_not_proven(
    module_databases: DatabaseFactory, flavor_templates: FlavorTemplates
) -> None:
    """The revision that records the project's definitions (0016) records a view only when it
    is exactly what the project's file creates: one changed by hand before is kept as it is
    (not replaced), recorded as changed, and read by the leak check, with the views built on
    it; the others are proven."""
    engine = module_databases.create("raw", template=flavor_templates("real_raw"))
    schema.upgrade(engine, "0015")
    CT4(engine).narrow_view("ops.v_driver_trips")
    schema.upgrade(engine)
    with engine.connect() as conn:
        recorded = dict(
            conn.execute(text("select view_name, definition_md5 from orphans.project_views")).all()
        )
        kept = conn.execute(text("select pg_get_viewdef('ops.v_driver_trips'::regclass)")).scalar()
    assert recorded["ops.v_driver_trips"] is None and "by_hand" in str(kept)
    assert recorded["ops.v_cabinet_claims"] is not None
    # CT4's own views are CT4's: never recorded as the project's.
    assert "ops.v_payment_calculation" not in recorded
    result = integrity.count_ops_view_leaks(engine, ct4_view_seconds=5)
    proven = set(result.details["proven"])
    assert result.passed and "ops.v_driver_origin" in proven
    # The trips view and every project view built on it are read.
    assert not proven & {"ops.v_driver_trips", "ops.v_cabinet_claims", "ops.v_eligible_drivers"}


def test_a_failed_upgrade_names_the_object_and_keeps_nothing(
    module_databases: DatabaseFactory,
    flavor_templates: FlavorTemplates,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A CT4 holding a table where the project would create a view of that name: `db upgrade`
    fails naming the file, the object and what to do, and leaves the database as it was."""
    from orphans_pipeline import cli
    from orphans_pipeline_tests.conftest import url_of

    engine = module_databases.create("raw", template=flavor_templates("real_raw"))
    with engine.begin() as conn:
        conn.execute(text("create table ops.v_eligible_drivers (driver_id varchar)"))
    before = install._objects(engine)
    monkeypatch.setenv("DATABASE_URL", url_of(engine))
    assert cli.main(["db", "upgrade"]) == 1
    error = capsys.readouterr().err
    assert "sql/migrations/0012/create_eligible_drivers_view.sql (ops.v_eligible_drivers)" in error
    assert "Nothing of this upgrade was kept" in error and "CT4's own?" in error
    assert len(error.strip().splitlines()) == 1
    assert install._objects(engine) == before
    assert schema.current_revision(engine) is None
