"""The ops views at scale (issue 13): the claims list CT4 reads excludes a driver the moment a
run or a review quarantines it, with no refresh; the computed claims are filled and refreshed
in steps of their own; the bounded origin view equals the definition it replaced."""

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, TableClause, column, func, select, table, text
from sqlalchemy.exc import DBAPIError

from orphans_pipeline.core import demo, integrity, schema, views
from orphans_pipeline_tests.ct4 import CT4
from orphans_pipeline_tests.pipeline_helpers import run_fix

# Every relation CT4 reads claims, payments or the funnel from, and what they read through.
DRIVER_RELATIONS = (
    "ops.mv_cabinet_claims_collection",
    "ops.v_cabinet_claims",
    "ops.v_cabinet_milestones",
    "ops.v_payment_calculation",
    "ops.v_cabinet_funnel_status",
    "ops.v_eligible_drivers",
    "ops.v_driver_origin",
    "ops.v_driver_trips",
    "ops.v_operational_drivers",
)
# ops.v_driver_origin as revision 0003 defined it (left joins, DISTINCT ON), read from that
# revision's frozen file: the reference the bounded definitions since 0007 must equal.
REFERENCE = (
    Path(__file__).resolve().parents[1] / "sql/migrations/0003/create_driver_origin_view.sql"
)
REFERENCE_VIEW = "create or replace view ops.v_driver_origin as"


@pytest.fixture
def demo_engine(fresh_engine: Engine) -> Engine:
    demo.load_demo_data(fresh_engine, 500, seed=3)
    return fresh_engine


def relation(qualified: str) -> TableClause:
    schema_name, name = qualified.split(".")
    return table(
        name, column("driver_id"), column("milestone"), column("amount"), schema=schema_name
    )


def rows_of(engine: Engine, qualified: str, driver_id: str) -> int:
    rel = relation(qualified)
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(rel).where(rel.c.driver_id == driver_id)
            ).scalar_one()
        )


def claims(engine: Engine, qualified: str) -> set[tuple[str, str, int]]:
    rel = relation(qualified)
    with engine.connect() as conn:
        return {
            (row.driver_id, row.milestone, row.amount)
            for row in conn.execute(select(rel.c.driver_id, rel.c.milestone, rel.c.amount))
        }


def claimed_driver(engine: Engine) -> tuple[str, str]:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "select driver_id, person_key::text as person_key "
                "from ops.mv_cabinet_claims_collection order by driver_id limit 1"
            )
        ).one()
    return row.driver_id, row.person_key


def test_the_migration_creates_the_claims_empty_and_upgrade_fills_them_after(
    fresh_engine: Engine,
) -> None:
    with fresh_engine.begin() as conn:  # as before revision 0012, which creates them empty
        conn.execute(text("drop view ops.mv_cabinet_claims_collection"))
        conn.execute(text("drop materialized view orphans.mv_cabinet_claims_computed"))
        conn.execute(
            text("update public.orphans_pipeline_alembic_version set version_num = '0011'")
        )
    demo.load_demo_data(fresh_engine, 500, seed=3)
    assert views.populate_cabinet_claims_computed(fresh_engine) is None  # nothing to fill
    filled = schema.upgrade(fresh_engine)
    assert filled is not None and filled >= 0
    assert views.cabinet_claims_computed_populated(fresh_engine)
    assert schema.upgrade(fresh_engine) is None  # filled: nothing to do
    assert claims(fresh_engine, "ops.mv_cabinet_claims_collection") == claims(
        fresh_engine, "ops.v_cabinet_claims"
    )
    assert claims(fresh_engine, "ops.v_cabinet_claims")


@pytest.mark.usefixtures("reports_root")
def test_a_driver_a_run_quarantines_leaves_every_claims_relation_without_a_refresh(
    demo_engine: Engine,
) -> None:
    run_fix(demo_engine)
    views.refresh_ops_views(demo_engine)
    driver_id, person = claimed_driver(demo_engine)
    # CT4 loses the driver's lead links and their events: the next run finds an orphan with
    # no evidence and quarantines it.
    with demo_engine.begin() as conn:
        conn.execute(
            text(
                "with gone as ("
                " delete from canon.identity_links where person_key = cast(:p as uuid)"
                " and source_table <> 'drivers' returning source_table, source_pk) "
                "delete from observational.lead_events as event where event.person_key = "
                "cast(:p as uuid) or exists (select 1 from gone where gone.source_table = "
                "event.source_table and gone.source_pk = event.source_pk)"
            ),
            {"p": person},
        )
    result = run_fix(demo_engine)
    assert result.stats["quarantined"] >= 1
    row = CT4(demo_engine).quarantine_row(driver_id)
    assert row is not None and row["status"] == "quarantined"
    # Nothing recomputed the claims: the run's exclusion holds at read time.
    assert rows_of(demo_engine, "orphans.mv_cabinet_claims_computed", driver_id) > 0
    for relation in DRIVER_RELATIONS:
        assert rows_of(demo_engine, relation, driver_id) == 0, relation
    assert integrity.count_ops_view_leaks(demo_engine).passed
    assert integrity.count_operational_orphans(demo_engine).passed


@pytest.mark.parametrize("status", ["quarantined", "purged"])
def test_claims_list_filters_the_computed_claims_through_the_operational_drivers(
    demo_engine: Engine, status: str
) -> None:
    views.refresh_cabinet_claims_computed(demo_engine)
    driver_id, person = claimed_driver(demo_engine)
    before = claims(demo_engine, "ops.mv_cabinet_claims_collection")
    CT4(demo_engine).quarantine(driver_id, person, status=status)
    after = claims(demo_engine, "ops.mv_cabinet_claims_collection")
    assert after == {claim for claim in before if claim[0] != driver_id} != before
    assert after == claims(demo_engine, "ops.v_cabinet_claims")
    counts = views.count_ops_views(demo_engine)
    assert counts["claims_for_collection"] == len(after)
    assert counts["claims_amount"] == sum(claim[2] for claim in after)
    assert integrity.count_ops_view_leaks(demo_engine).passed


@pytest.mark.usefixtures("reports_root")
def test_refresh_brings_in_the_claims_of_released_drivers(demo_engine: Engine) -> None:
    views.refresh_cabinet_claims_computed(demo_engine)
    run_fix(demo_engine)  # relinks repaired orphans: their claims wait for the refresh
    views.refresh_ops_views(demo_engine)  # concurrently, the computed claims being filled
    assert claims(demo_engine, "ops.mv_cabinet_claims_collection") == claims(
        demo_engine, "ops.v_cabinet_claims"
    )


def origins_now(engine: Engine) -> tuple[list[object], list[object]]:
    with engine.connect() as conn:
        current = conn.execute(text("select * from ops.v_driver_origin order by driver_id")).all()
        select = REFERENCE.read_text().split(REFERENCE_VIEW, 1)[1]
        reference = conn.execute(text(select)).all()  # ordered by driver_id
    # 0003's definition kept CT4's column type; the current one reads every lead date as a
    # date (cabinet lead_created_at is a timestamp in CT4 and in the subset since 0012).
    return list(current), [(*tuple(row[:-1]), as_date(row[-1])) for row in reference]


def as_date(value: object) -> object:
    return value.date() if isinstance(value, datetime) else value


@pytest.mark.usefixtures("reports_root")
def test_bounded_origin_view_equals_the_definition_it_replaced(demo_engine: Engine) -> None:
    current, reference = origins_now(demo_engine)  # orphans operational: no origin
    assert current == reference
    assert {None, "module_ct_cabinet_leads", "module_ct_scouting_daily"} <= {
        row.origin for row in current
    }
    run_fix(demo_engine)
    current, reference = origins_now(demo_engine)
    assert current == reference and len(current) > 0


def test_leak_check_finds_a_claims_list_that_stops_filtering(demo_engine: Engine) -> None:
    views.refresh_cabinet_claims_computed(demo_engine)
    driver_id, person = claimed_driver(demo_engine)
    CT4(demo_engine).quarantine(driver_id, person)
    assert integrity.count_ops_view_leaks(demo_engine).passed
    # A claims list read straight from the computed claims would leak the quarantined driver.
    with demo_engine.begin() as conn:
        conn.execute(
            text(
                "create or replace view ops.mv_cabinet_claims_collection as "
                "select * from orphans.mv_cabinet_claims_computed"
            )
        )
    leak = integrity.count_ops_view_leaks(demo_engine)
    assert (leak.passed, leak.driver_ids) == (False, [driver_id])
    assert set(leak.details["per_view"]) == {"ops.mv_cabinet_claims_collection"}


# The project's views the leak check proves by their definition (revision 0016) on the demo
# CT4, where the funnel and the payment calculation are the project's too; and what each reads.
PROVEN_PROJECT_VIEWS = sorted(set(DRIVER_RELATIONS) - {"ops.v_operational_drivers"})
READS_MILESTONES = ["ops.v_cabinet_claims", "ops.v_cabinet_milestones", "ops.v_payment_calculation"]


def test_the_project_views_are_proven_by_definition_until_one_is_changed(
    demo_engine: Engine,
) -> None:
    """The project's views take their drivers from ops.v_operational_drivers: the leak check
    reads that one and proves the rest by their definition (0016), so long as each, and every
    view it reads, is still as the project created it. A view changed by hand is read again,
    and so is every view built on it."""
    views.refresh_cabinet_claims_computed(demo_engine)
    driver_id, person = claimed_driver(demo_engine)
    CT4(demo_engine).quarantine(driver_id, person)
    result = integrity.count_ops_view_leaks(demo_engine)
    assert (result.passed, sorted(result.details["proven"])) == (True, PROVEN_PROJECT_VIEWS)
    # Changed by hand, even to an equivalent definition: the milestones and what reads them.
    CT4(demo_engine).narrow_view("ops.v_cabinet_milestones")
    result = integrity.count_ops_view_leaks(demo_engine)
    assert result.passed
    assert sorted(result.details["proven"]) == sorted(
        set(PROVEN_PROJECT_VIEWS) - set(READS_MILESTONES)
    )
    # The one relation they all read, without its exclusion: nothing rests on a proof any more,
    # and every view showing the quarantined driver is named.
    with demo_engine.begin() as conn:
        definition = conn.execute(
            text("select pg_get_viewdef('ops.v_operational_drivers'::regclass)")
        ).scalar_one()
        unfiltered = definition.split("WHERE (NOT (EXISTS", 1)[0]
        assert unfiltered != definition
        conn.execute(text(f"create or replace view ops.v_operational_drivers as {unfiltered}"))
    leak = integrity.count_ops_view_leaks(demo_engine)
    assert (leak.passed, leak.details["proven"]) == (False, []) and driver_id in leak.driver_ids
    assert {"ops.v_operational_drivers", *READS_MILESTONES} <= set(leak.details["per_view"])


def _md5(conn: Connection, view: str) -> str | None:
    md5 = conn.execute(text("select orphans.view_definition_md5(:v)"), {"v": view}).scalar()
    return None if md5 is None else str(md5)


def test_a_view_reading_a_relation_of_another_kind_gets_another_md5(fresh_engine: Engine) -> None:
    """pg_get_viewdef prints a relation's name alone, whether it is a table, a view or a
    materialized view: the md5 the proof compares (0016) also takes the kind of each relation
    a view reads, so a view the proof rests on replaced by a materialized view (stale rows),
    with the views on it created again as they were, is no longer proven. A materialized view
    itself has no md5."""
    with fresh_engine.begin() as conn:
        conn.execute(text("create schema scratch"))
        conn.execute(text("create table scratch.source (driver_id text)"))
        conn.execute(text("create view scratch.reader as select driver_id from scratch.source"))
        before = _md5(conn, "scratch.reader")
        printed = conn.execute(text("select pg_get_viewdef('scratch.reader'::regclass)")).scalar()
        conn.execute(text("drop view scratch.reader"))
        conn.execute(text("drop table scratch.source"))
        conn.execute(
            text("create materialized view scratch.source as select 'x'::text as driver_id")
        )
        conn.execute(text("create view scratch.reader as select driver_id from scratch.source"))
        after = _md5(conn, "scratch.reader")
        reprinted = conn.execute(text("select pg_get_viewdef('scratch.reader'::regclass)")).scalar()
        assert (printed == reprinted, before is not None, after is not None) == (True,) * 3
        assert before != after
        assert _md5(conn, "scratch.source") is None


def test_views_that_read_each_other_fail_the_check_as_the_database_says(
    fresh_engine: Engine,
) -> None:
    """Two views of ops made to read each other (PostgreSQL refuses them only when read): the
    check reads one, and fails with the database's error instead of waiting for ever."""
    with fresh_engine.begin() as conn:
        conn.execute(text("create view ops.loop_a as select 'x'::text as driver_id"))
        conn.execute(text("create view ops.loop_b as select driver_id from ops.loop_a"))
        conn.execute(text("create or replace view ops.loop_a as select driver_id from ops.loop_b"))
    with pytest.raises(DBAPIError, match="infinite recursion"):
        integrity.count_ops_view_leaks(fresh_engine)


def test_claims_asset_has_its_own_job_and_daily_schedule(demo_engine: Engine) -> None:
    from orphans_pipeline.definitions import build_definitions
    from orphans_pipeline.defs.resources import CT4Database
    from orphans_pipeline_tests.conftest import url_of

    defs = build_definitions(ct4=CT4Database(database_url=url_of(demo_engine)))
    job = defs.resolve_job_def("cabinet_claims_job")
    assert {key.to_user_string() for key in job.asset_layer.executable_asset_keys} == {
        "cabinet_claims_computed"
    }
    fix_job = defs.resolve_job_def("orphans_fix_job")
    assert "cabinet_claims_computed" not in {
        key.to_user_string() for key in fix_job.asset_layer.executable_asset_keys
    }
    schedule = defs.resolve_schedule_def("cabinet_claims_daily_schedule")
    assert schedule.cron_schedule == "0 6 * * *"
    result = job.execute_in_process()
    assert result.success
    assert views.cabinet_claims_computed_populated(demo_engine)
    assert claims(demo_engine, "ops.mv_cabinet_claims_collection") == claims(
        demo_engine, "ops.v_cabinet_claims"
    )
