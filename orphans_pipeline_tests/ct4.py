"""A small builder of CT4 datasets for tests: persons, drivers, links, leads and lead events.

Rows are written with SQLAlchemy Core inserts into reflected tables, with the prevention guard
off for the transaction (legacy orphans are exactly what the tests need).
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Table, null, select, text
from sqlalchemy.dialects import postgresql

from orphans_pipeline.core import guard, sql
from orphans_pipeline.core.vocabulary import PIPELINE_ACTOR

LEAD_TABLES = ("module_ct_cabinet_leads", "module_ct_scouting_daily", "module_ct_migrations")


class CT4:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.metadata = MetaData()
        self._tables: dict[str, Table] = {}

    def table(self, qualified: str) -> Table:
        if qualified not in self._tables:
            schema, name = qualified.split(".")
            self._tables[qualified] = Table(
                name, self.metadata, schema=schema, autoload_with=self.engine
            )
        return self._tables[qualified]

    def insert(self, qualified: str, **values: Any) -> Any:
        table = self.table(qualified)
        with self.engine.begin() as conn, self._as_ct4_wrote_it(conn, qualified):
            pk = list(table.primary_key.columns)
            result = conn.execute(table.insert().values(**values).returning(*pk))
            return result.scalar_one() if pk else None

    @contextmanager
    def _as_ct4_wrote_it(self, conn: Connection, qualified: str) -> Iterator[None]:
        """Rows as CT4 (or its past) wrote them: legacy orphan links past the guard, quarantine
        rows with no history; on a database before the project there is nothing to pass."""
        wanted = {
            "canon.identity_links": "identity_links_driver_requires_lead",
            "canon.driver_orphan_quarantine": "driver_orphan_quarantine_insert_history",
        }.get(qualified)
        triggers = set(
            conn.execute(
                text("select tgname from pg_trigger where not tgisinternal and tgname = :name"),
                {"name": wanted},
            ).scalars()
        )
        if "driver_orphan_quarantine_insert_history" in triggers:
            sql.run(conn, "demo/disable_quarantine_history_triggers")
        if "identity_links_driver_requires_lead" in triggers:
            with guard.legacy_orphan_links(conn):
                yield
        else:
            yield
        if "driver_orphan_quarantine_insert_history" in triggers:
            sql.run(conn, "demo/enable_quarantine_history_triggers")

    # --- persons and drivers -------------------------------------------------------------
    def person(
        self,
        phone: str | None = None,
        license: str | None = None,
        name: str | None = "Test Person",
        key: str | None = None,
    ) -> str:
        key = key or str(uuid.uuid4())
        self.insert(
            "canon.identity_registry",
            person_key=key,
            confidence_level="HIGH",
            primary_phone=phone,
            primary_license=license,
            primary_full_name=name,
        )
        return key

    def driver(
        self,
        driver_id: str,
        person: str | None = None,
        *,
        phone: str | None = None,
        license_number: str | None = None,
        license_normalized_number: str | None = None,
        link: bool = True,
        match_rule: str = "LEGACY_DRIVER_IMPORT",
    ) -> str:
        person = person or self.person(phone=phone, license=license_number)
        self.insert(
            "public.drivers",
            driver_id=driver_id,
            phone=phone,
            license_number=license_number,
            license_normalized_number=license_normalized_number,
            full_name="Test Driver",
            created_at=datetime(2026, 1, 1),
        )
        if link:
            self.link(
                person, "drivers", driver_id, match_rule=match_rule, evidence={"source": "test"}
            )
        return person

    def link(
        self,
        person: str,
        source_table: str,
        source_pk: str,
        *,
        match_rule: str = "LEAD_INGESTION",
        evidence: dict[str, Any] | None = None,
    ) -> int:
        return int(
            self.insert(
                "canon.identity_links",
                person_key=person,
                source_table=source_table,
                source_pk=source_pk,
                snapshot_date=datetime(2026, 1, 1),
                match_rule=match_rule,
                match_score=100,
                confidence_level="HIGH",
                evidence=evidence or {},
            )
        )

    # --- leads and events ------------------------------------------------------------------
    def lead(self, source_table: str, *, external_id: str | None = None, **values: Any) -> str:
        """Insert a lead row; return its source_pk by domain.md's convention."""
        assert source_table in LEAD_TABLES
        if source_table == "module_ct_cabinet_leads":
            values["external_id"] = external_id
        row_id = self.insert(f"public.{source_table}", **values)
        return external_id if external_id is not None else str(row_id)

    def event(
        self,
        source_table: str,
        source_pk: str,
        payload: Any = None,
        *,
        person: str | None = None,
        event_date: date = date(2026, 3, 1),
    ) -> int:
        table = self.table("observational.lead_events")
        with self.engine.begin() as conn:
            # The JSONB type serialises dicts, lists and scalars alike; None means SQL NULL.
            stored = null() if payload is None else payload
            return int(
                conn.execute(
                    table.insert()
                    .values(
                        source_table=source_table,
                        source_pk=source_pk,
                        event_date=event_date,
                        person_key=person,
                        payload_json=stored,
                    )
                    .returning(table.c.id)
                ).scalar_one()
            )

    def quarantine(
        self,
        driver_id: str,
        person: str | None,
        *,
        status: str = "quarantined",
        reason: str = "legacy_driver_without_origin",
        creation_rule: str = "LEGACY_DRIVER_IMPORT",
        detected_at: datetime = datetime(2026, 6, 1),
        history: bool = True,
    ) -> None:
        """A quarantine row left by an earlier run; its history row is the trigger's (0006).

        `history=False` makes the audit gap the database otherwise prevents, as its owner only
        can: with the history triggers off for the transaction.
        """
        table = self.table("canon.driver_orphan_quarantine")
        with self.engine.begin() as conn:
            if history:
                # Actor `pipeline` names a registered run (revision 0013): the earlier one's.
                conn.execute(
                    postgresql.insert(self.table("orphans.runs"))
                    .values(run_id="earlier", mode="execute", status="succeeded")
                    .on_conflict_do_nothing()
                )
                guard.set_history_context(conn, actor=PIPELINE_ACTOR, run_id="earlier")
            else:
                sql.run(conn, "demo/disable_quarantine_history_triggers")
            conn.execute(
                table.insert().values(
                    driver_id=driver_id,
                    person_key=person,
                    detected_at=detected_at,
                    detected_reason=reason,
                    creation_rule=creation_rule,
                    evidence_json={"source": "test"},
                    status=status,
                )
            )
            if not history:
                sql.run(conn, "demo/enable_quarantine_history_triggers")

    # --- reading back ------------------------------------------------------------------------
    def rows(self, qualified: str, **where: Any) -> list[dict[str, Any]]:
        table = self.table(qualified)
        query = select(table)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        order = list(table.primary_key.columns) or list(table.c)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(*order)).mappings()
            # UUIDs as text, as the builder hands them out.
            return [
                {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in row.items()}
                for row in rows
            ]

    def narrow_view(self, view: str, where: str = "true", alias: str = "by_hand") -> None:
        """Replace `view` by hand, as CT4 or a DBA would, with its own definition narrowed by
        `where` (same columns): an equivalent definition with `true`, but another one."""
        with self.engine.begin() as conn:
            definition = conn.execute(
                text("select pg_get_viewdef(cast(:v as regclass))"), {"v": view}
            ).scalar_one()
            narrowed = f"select * from ({definition.rstrip('; ')}) as {alias} where {where}"  # noqa: S608
            conn.execute(text(f"create or replace view {view} as {narrowed}"))

    def quarantine_row(self, driver_id: str) -> dict[str, Any] | None:
        rows = self.rows("canon.driver_orphan_quarantine", driver_id=driver_id)
        return rows[0] if rows else None

    def lead_links(self, person: str) -> list[dict[str, Any]]:
        return [
            row
            for row in self.rows("canon.identity_links", person_key=person)
            if row["source_table"] in LEAD_TABLES
        ]

    def history(self, driver_id: str) -> list[dict[str, Any]]:
        return self.rows("canon.driver_orphan_quarantine_history", driver_id=driver_id)


def snapshot(engine: Engine, tables: tuple[str, ...]) -> dict[str, list[tuple[Any, ...]]]:
    """The full contents of `tables`, each sorted, for before/after comparisons."""
    metadata = MetaData()
    contents: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for qualified in tables:
            schema, name = qualified.split(".")
            table = Table(name, metadata, schema=schema, autoload_with=engine)
            rows = conn.execute(select(table)).all()
            contents[qualified] = sorted((tuple(row) for row in rows), key=repr)
    return contents
