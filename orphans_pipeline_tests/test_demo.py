"""The demo generator: deterministic for a seed, and containing every case of domain.md."""

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from orphans_pipeline.core import demo, schema
from orphans_pipeline_tests.conftest import DatabaseFactory
from orphans_pipeline_tests.ct4 import CT4, snapshot
from orphans_pipeline_tests.pipeline_helpers import report_rows, run_fix

# Columns filled by now() differ between loads; everything else must not.
VOLATILE = {"created_at", "updated_at", "linked_at"}


def _content(engine: Engine) -> dict[str, list[tuple]]:
    ct4 = CT4(engine)
    result = {}
    for name in schema.CT4_TABLES + schema.OWNED_TABLES:
        columns = [c for c in ct4.table(name).c if c.name not in VOLATILE]
        from sqlalchemy import select

        with engine.connect() as conn:
            rows = conn.execute(select(*columns)).all()
        result[name] = sorted(tuple(map(str, row)) for row in rows)
    return result


def test_same_seed_same_data_other_seed_other_data(module_databases: DatabaseFactory) -> None:
    first, second, third = (module_databases.create("demo") for _ in range(3))
    demo.load_demo_data(first, 300, seed=7)
    demo.load_demo_data(second, 300, seed=7)
    demo.load_demo_data(third, 300, seed=8)
    assert _content(first) == _content(second)
    assert _content(first)["canon.identity_registry"] != _content(third)["canon.identity_registry"]


def test_demo_data_contains_every_case(fresh_engine: Engine, reports_root: Path) -> None:
    counts = demo.load_demo_data(fresh_engine, 400, seed=42)
    assert counts.table_rows["summary_daily"] > 0
    with fresh_engine.connect() as conn:
        payload_types = set(
            conn.execute(
                text(
                    "select distinct coalesce(jsonb_typeof(payload_json), 'sql null') "
                    "from observational.lead_events"
                )
            ).scalars()
        )
        prior = dict(
            conn.execute(
                text("select status::text, count(*) from canon.driver_orphan_quarantine group by 1")
            ).all()
        )
    assert payload_types == {"object", "array", "string", "number", "sql null"}
    assert prior == {"quarantined": 3, "purged": 1}  # one bucket-99 driver per variant

    result = run_fix(fresh_engine)
    stats = result.stats
    assert stats["ambiguous"] > 0 and stats["conflicts"] > 0
    assert stats["lead_rows_missing"] > 0 and stats["weak_only"] > 0
    assert stats["released"] > 0 and stats["newly_quarantined"] > 0
    rows = report_rows(result)
    strategies = {
        (r["evidence_level"], r["match_strategy"]) for r in rows if r["action"] == "relinked"
    }
    assert strategies == {
        ("L1", "driver_id_direct"),
        ("L2", "license_exact"),
        ("L2", "phone_exact"),
    }
    actions = {r["action"] for r in rows}
    assert actions == {"relinked", "released", "quarantined", "kept_quarantined"}
    reasons = {r["detected_reason"] for r in rows if r["status"] == "quarantined"}
    assert reasons == {"no_lead_no_events", "no_lead_has_events_repair_failed"}
    # numeric and nested L1 cases are among the relinked
    relinked = {r["driver_id"] for r in rows if r["action"] == "relinked"}
    assert any(d.isdigit() for d in relinked) and any(d.startswith("drv_") for d in relinked)


def _scalar(engine: Engine, statement: str, **params: object) -> object:
    with engine.connect() as conn:
        return conn.execute(text(statement), params).scalar_one()


def test_a_demo_load_leaves_no_change_log_and_the_next_run_sweeps_everything(
    fresh_engine: Engine, reports_root: Path
) -> None:
    """The load writes every row of CT4 anew: it leaves none of the keys it logged (millions at
    1,000,000 drivers, which the next run would have to prune) and no watermark, so that run
    is a full sweep (revision 0014)."""
    run_fix(fresh_engine)  # an execute on the empty CT4 leaves a watermark
    assert _scalar(fresh_engine, "select count(*) from orphans.judgement_watermark") == 1
    demo.load_demo_data(fresh_engine, 200, seed=5)
    assert _scalar(fresh_engine, "select count(*) from orphans.changed_keys") == 0
    assert _scalar(fresh_engine, "select count(*) from orphans.judgement_watermark") == 0
    result = run_fix(fresh_engine)
    scope = _scalar(
        fresh_engine, "select scope from orphans.runs where run_id = :r", r=result.run_id
    )
    assert (scope, result.stats["processed"] > 0) == ("full", True)


def test_demo_data_refuses_a_database_with_real_persons(fresh_engine: Engine) -> None:
    CT4(fresh_engine).person()
    with pytest.raises(demo.DemoDataRefused, match="not demo data"):
        demo.load_demo_data(fresh_engine, 100, seed=1, replace=True)


def test_demo_data_refuses_to_load_twice_without_replace(fresh_engine: Engine) -> None:
    demo.load_demo_data(fresh_engine, 100, seed=1)
    with pytest.raises(demo.DemoDataRefused, match="--replace"):
        demo.load_demo_data(fresh_engine, 100, seed=1)
    before = snapshot(fresh_engine, ("canon.identity_registry",))
    demo.load_demo_data(fresh_engine, 100, seed=1, replace=True)
    assert len(
        snapshot(fresh_engine, ("canon.identity_registry",))["canon.identity_registry"]
    ) == len(before["canon.identity_registry"])
