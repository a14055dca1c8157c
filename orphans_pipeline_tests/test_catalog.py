"""The Dagster catalog: owners, tags, table names and column schemas that match the database,
an 8-day freshness policy on the quarantine, row counts, `limit` only when set, short keys."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import Engine, text

from orphans_pipeline.core import demo
from orphans_pipeline.definitions import defs
from orphans_pipeline.defs.metadata import TABLE_COLUMNS
from orphans_pipeline.launch import launch_fix_job
from orphans_pipeline_tests.conftest import url_of

TABLES = {
    "detected_orphans": "orphans.run_candidates",
    "classified_orphans": "orphans.run_events",
    "relinked_links": "canon.identity_links",
    "driver_orphan_quarantine": "canon.driver_orphan_quarantine",
}


def specs() -> dict[str, dg.AssetSpec]:
    graph = defs.resolve_asset_graph()
    return {
        key.to_user_string(): graph.get(key).to_asset_spec()  # type: ignore[attr-defined]
        for key in graph.get_all_asset_keys()
    }


def test_every_asset_has_owners_and_tags_and_each_table_its_name_and_columns() -> None:
    for name, spec in specs().items():
        assert spec.owners == ["team:ct4-data"], name
        assert spec.tags["domain"] == "ct4_identity", name
        if name in TABLES:
            assert spec.metadata["dagster/table_name"] == TABLES[name]
            schema = spec.metadata["dagster/column_schema"]
            assert isinstance(schema, dg.TableSchema)
            assert [c.name for c in schema.columns] == [c.name for c in TABLE_COLUMNS[TABLES[name]]]


def test_the_quarantine_must_be_materialized_every_8_days() -> None:
    policy = specs()["driver_orphan_quarantine"].freshness_policy
    assert policy == dg.FreshnessPolicy.time_window(fail_window=timedelta(days=8))
    assert all(
        s.freshness_policy is None for n, s in specs().items() if n != "driver_orphan_quarantine"
    )


def test_the_column_schemas_are_the_tables_columns(engine: Engine) -> None:
    with engine.connect() as conn:
        for table, columns in TABLE_COLUMNS.items():
            schema_name, table_name = table.split(".")
            actual = conn.execute(
                text(
                    "select column_name, udt_name, is_nullable = 'YES' "
                    "from information_schema.columns "
                    "where table_schema = :schema and table_name = :table "
                    "order by ordinal_position"
                ),
                {"schema": schema_name, "table": table_name},
            ).all()
            declared = [
                (c.name, c.type, c.constraints.nullable if c.constraints else True) for c in columns
            ]
            assert declared == [tuple(row) for row in actual], table


@pytest.fixture
def instance(
    fresh_engine: Engine, dagster_home: Path, reports_root: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dg.DagsterInstance]:
    demo.load_demo_data(fresh_engine, 300, seed=21)
    monkeypatch.setenv("DATABASE_URL", url_of(fresh_engine))
    with dg.DagsterInstance.get() as active:
        yield active


def materialization(instance: dg.DagsterInstance, asset: str, run_id: str) -> dict[str, Any]:
    event = instance.get_latest_materialization_event(dg.AssetKey(asset))
    assert event is not None and event.run_id == run_id
    assert event.asset_materialization is not None
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def test_an_execute_records_row_counts_limit_only_when_set_and_short_keys(
    fresh_engine: Engine, instance: dg.DagsterInstance
) -> None:
    run = launch_fix_job(execute=True, limit=None, output_dir=None, instance=instance)
    assert run.succeeded
    with fresh_engine.connect() as conn:
        quarantine_rows = conn.execute(
            text("select count(*) from canon.driver_orphan_quarantine")
        ).scalar_one()
        link_rows = conn.execute(text("select count(*) from canon.identity_links")).scalar_one()
    quarantine = materialization(instance, "driver_orphan_quarantine", run.run_id)
    assert quarantine["dagster/row_count"] == quarantine_rows > 0
    links = materialization(instance, "relinked_links", run.run_id)
    assert links["dagster/row_count"] == link_rows
    # The staging tables are emptied after each run: their count is `candidates`, no row count.
    detected = materialization(instance, "detected_orphans", run.run_id)
    assert "dagster/row_count" not in detected and "limit" not in detected

    preview = quarantine["outcomes_preview"]
    keys = [record.data["person_key"] for record in preview.records]
    assert keys and all(key is None or (len(key) == 9 and key.endswith("…")) for key in keys)
    assert any(key is not None for key in keys)

    limited = launch_fix_job(execute=True, limit=3, output_dir=None, instance=instance)
    assert materialization(instance, "detected_orphans", limited.run_id)["limit"] == 3
