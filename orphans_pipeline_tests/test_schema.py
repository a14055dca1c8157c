"""Schema creation, migrations (idempotent, adopting CT4's migration 014), the append-only
history and the prevention guard."""

import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql as psql
from sqlalchemy import Engine, TextClause, delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from orphans_pipeline.core import guard, schema, settings
from orphans_pipeline_tests.conftest import DatabaseFactory
from orphans_pipeline_tests.ct4 import CT4

CATALOG = text(
    """
    select
        (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname in ('canon', 'observational', 'public', 'orphans', 'ops')),
        (select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
         where n.nspname = 'orphans'),
        (select count(*) from pg_trigger where not tgisinternal),
        (select string_agg(enumlabel, ',' order by enumsortorder) from pg_enum
         where enumtypid = 'orphan_detected_reason'::regtype)
    """
)


def test_create_ct4_makes_every_table_and_is_idempotent(fresh_engine: Engine) -> None:
    schema.create_ct4(fresh_engine)
    for table in schema.CT4_TABLES + schema.OWNED_TABLES:
        assert schema.table_exists(fresh_engine, table), table


def test_upgrade_twice_changes_nothing(fresh_engine: Engine) -> None:
    with fresh_engine.connect() as conn:
        before = conn.execute(CATALOG).one()
    schema.upgrade(fresh_engine)
    schema.create_ct4(fresh_engine)
    with fresh_engine.connect() as conn:
        after = conn.execute(CATALOG).one()
    assert before == after
    assert schema.current_revision(fresh_engine) == schema.head_revision()
    assert before[3].endswith(",no_lead_has_events")


def test_upgrade_refuses_a_database_without_ct4(module_databases: DatabaseFactory) -> None:
    empty = module_databases.create_empty()
    with pytest.raises(RuntimeError, match="db create-ct4"):
        schema.upgrade(empty)


def test_upgrade_adopts_the_quarantine_of_ct4_migration_014(
    module_databases: DatabaseFactory, reports_root: Path
) -> None:
    engine = module_databases.create_empty()
    schema.create_ct4(engine)
    url = settings.libpq_url(engine.url.render_as_string(hide_password=False))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute((Path(__file__).parent / "sql" / "ct4_migration_014.sql").read_text())
    schema.upgrade(engine)
    ct4 = CT4(engine)
    assert ct4.quarantine_row("CT4-LEGACY-1")["detected_reason"] == "manual_detection"
    with engine.connect() as conn:
        labels = conn.execute(
            text(
                "select array_agg(enumlabel::text order by enumsortorder) from pg_enum "
                "where enumtypid = 'orphan_detected_reason'::regtype"
            )
        ).scalar_one()
    assert labels[-1] == "no_lead_has_events" and len(labels) == 5
    # and the pipeline writes into the adopted table, with the added reason
    from orphans_pipeline_tests.pipeline_helpers import run_fix

    ct4.driver("D1")
    ct4.event("module_ct_scouting_daily", ct4.lead("module_ct_scouting_daily"), {"driver_id": "D1"})
    run_fix(engine)
    assert ct4.quarantine_row("D1")["detected_reason"] == "no_lead_has_events"
    assert ct4.quarantine_row("CT4-LEGACY-1")["status"] == "quarantined"


def test_history_refuses_update_delete_and_truncate(fresh_engine: Engine) -> None:
    ct4 = CT4(fresh_engine)
    person = ct4.driver("D1")
    ct4.quarantine("D1", person)
    history = ct4.table("canon.driver_orphan_quarantine_history")
    for statement in (
        update(history).values(actor="someone else"),
        delete(history),
        text("truncate canon.driver_orphan_quarantine_history"),
    ):
        with pytest.raises(DBAPIError, match="append-only"), fresh_engine.begin() as conn:
            conn.execute(statement)
    assert [row["actor"] for row in ct4.history("D1")] == ["pipeline"]


# --- the prevention guard ------------------------------------------------------------------


def _insert_driver_link(conn, ct4: CT4, person: str, driver_id: str) -> None:
    links = ct4.table("canon.identity_links")
    conn.execute(
        links.insert().values(
            person_key=person,
            source_table="drivers",
            source_pk=driver_id,
            snapshot_date=func.now(),
            match_rule="NEW_INGESTION",
            match_score=90,
            confidence_level="HIGH",
        )
    )


def _insert_lead_link(conn, ct4: CT4, person: str, table: str, pk: str) -> None:
    links = ct4.table("canon.identity_links")
    conn.execute(
        links.insert().values(
            person_key=person,
            source_table=table,
            source_pk=pk,
            snapshot_date=func.now(),
            match_rule="LEAD",
            match_score=100,
            confidence_level="HIGH",
        )
    )


def test_guard_refuses_a_driver_link_without_lead_at_commit(fresh_engine: Engine) -> None:
    ct4 = CT4(fresh_engine)
    person = ct4.person()
    with pytest.raises(DBAPIError) as raised, fresh_engine.begin() as conn:
        _insert_driver_link(conn, ct4, person, "NEW-1")
    message = str(raised.value)
    assert "NEW-1" in message and "has no lead link" in message
    assert "came from a lead" in message
    assert ct4.rows("canon.identity_links", source_pk="NEW-1") == []


def test_guard_passes_a_lead_and_driver_link_written_in_one_transaction(
    fresh_engine: Engine,
) -> None:
    ct4 = CT4(fresh_engine)
    person = ct4.person()
    pk = ct4.lead("module_ct_scouting_daily")
    with fresh_engine.begin() as conn:
        _insert_driver_link(conn, ct4, person, "NEW-2")  # before the lead: checked at commit
        _insert_lead_link(conn, ct4, person, "module_ct_scouting_daily", pk)
    assert len(ct4.rows("canon.identity_links", person_key=person)) == 2


def _with_role(statement: str, role: str) -> TextClause:
    return text(psql.SQL(statement).format(role=psql.Identifier(role)).as_string())


def test_guard_answers_a_writer_with_no_rights_in_the_orphans_schema(
    fresh_engine: Engine,
) -> None:
    """CT4's own ingestion may write identity links without holding anything in the schema
    orphans: it gets the guard's refusal (or its pass), never "permission denied" from the
    guard's own lookup (revision 0011: the guard checks with its owner's rights)."""
    ct4 = CT4(fresh_engine)
    person, other = ct4.person(), ct4.person()
    pk = ct4.lead("module_ct_scouting_daily")
    role = f"ct4_ingestion_{uuid.uuid4().hex[:8]}"
    with fresh_engine.begin() as conn:
        conn.execute(_with_role("create role {role} nologin", role))
        conn.execute(_with_role("grant usage on schema canon to {role}", role))
        conn.execute(_with_role("grant select, insert on canon.identity_links to {role}", role))
        conn.execute(_with_role("grant usage on all sequences in schema canon to {role}", role))
    try:
        with pytest.raises(DBAPIError) as raised, fresh_engine.begin() as conn:
            conn.execute(_with_role("set local role {role}", role))
            _insert_driver_link(conn, ct4, other, "INGEST-1")
        assert "has no lead link" in str(raised.value)
        assert "permission denied" not in str(raised.value)
        with fresh_engine.begin() as conn:
            conn.execute(_with_role("set local role {role}", role))
            _insert_lead_link(conn, ct4, person, "module_ct_scouting_daily", pk)
            _insert_driver_link(conn, ct4, person, "INGEST-2")
        assert len(ct4.rows("canon.identity_links", source_pk="INGEST-2")) == 1
        assert ct4.rows("canon.identity_links", source_pk="INGEST-1") == []
    finally:
        with fresh_engine.begin() as conn:
            conn.execute(_with_role("drop owned by {role}", role))
            conn.execute(_with_role("drop role {role}", role))


def test_an_owner_writes_legacy_orphans_for_the_demo_and_the_fixtures(fresh_engine: Engine) -> None:
    ct4 = CT4(fresh_engine)
    person = ct4.person()
    with fresh_engine.begin() as conn, guard.legacy_orphan_links(conn):
        _insert_driver_link(conn, ct4, person, "LEGACY-1")
    assert len(ct4.rows("canon.identity_links", source_pk="LEGACY-1")) == 1
    # The trigger is back before the transaction ends: the next orphan link is refused.
    with pytest.raises(DBAPIError, match="has no lead link"), fresh_engine.begin() as conn:
        _insert_driver_link(conn, ct4, person, "LEGACY-2")


def test_ensure_driver_identity_link(fresh_engine: Engine) -> None:
    ct4 = CT4(fresh_engine)
    person = ct4.person()
    with (
        pytest.raises(guard.DriverWithoutLead, match=r"'D9'.*no lead link"),
        fresh_engine.begin() as conn,
    ):
        guard.ensure_driver_identity_link(
            conn, driver_id="D9", person_key=person, match_rule="NEW_INGESTION"
        )
    ct4.link(person, "module_ct_migrations", ct4.lead("module_ct_migrations"))
    with fresh_engine.begin() as conn:
        link_id = guard.ensure_driver_identity_link(
            conn, driver_id="D9", person_key=person, match_rule="NEW_INGESTION"
        )
    assert ct4.rows("canon.identity_links", id=link_id)[0]["source_pk"] == "D9"


def test_pipeline_works_with_the_guard_on(fresh_engine: Engine, reports_root: Path) -> None:
    from orphans_pipeline_tests.pipeline_helpers import run_fix

    ct4 = CT4(fresh_engine)
    person = ct4.driver("D1")
    ct4.event("module_ct_scouting_daily", ct4.lead("module_ct_scouting_daily"), {"driver_id": "D1"})
    with fresh_engine.connect() as conn:
        enabled = conn.execute(
            select(func.count())
            .select_from(text("pg_trigger"))
            .where(text("tgname = 'identity_links_driver_requires_lead'"))
        ).scalar_one()
    assert enabled == 1
    assert run_fix(fresh_engine).stats["links_created"] == 1
    assert len(ct4.lead_links(person)) == 1
