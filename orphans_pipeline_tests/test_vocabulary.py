"""The vocabulary module against what it names: the database's enums and lead-table list, the
SQL files, and the Dagster code location. A member added on one side only fails here."""

import re
import uuid
from pathlib import Path

import yaml
from sqlalchemy import Engine, text

from orphans_pipeline.core import sql
from orphans_pipeline.core.vocabulary import (
    AssetName,
    CheckName,
    DetectedReason,
    JobName,
    LeadTable,
    OrphanStatus,
    ReviewAction,
    RunTag,
)
from orphans_pipeline.definitions import defs
from orphans_pipeline.defs.review import ReviewConfig

REPO = Path(__file__).resolve().parents[1]

# The labels of the enum a column of the quarantine table is declared with, in the enum's order.
# Read through the column, so the test checks the very type the table uses, in whatever schema
# CT4 or migration 0001 created it.
COLUMN_ENUM = text(
    """
    select enum_range(null::orphan_status)::text[] as status_range,
        array(
            select label.enumlabel::text
            from pg_catalog.pg_attribute as attribute
            inner join pg_catalog.pg_enum as label
                on label.enumtypid = attribute.atttypid
            where attribute.attrelid = 'canon.driver_orphan_quarantine'::regclass
                and attribute.attname = :column
            order by label.enumsortorder
        ) as labels
    """
)


def enum_labels(engine: Engine, column: str) -> list[str]:
    with engine.connect() as conn:
        row = conn.execute(COLUMN_ENUM, {"column": column}).mappings().one()
    assert row["labels"], f"canon.driver_orphan_quarantine.{column} is not an enum"
    return list(row["labels"])


# Compared as sets: the order of a PostgreSQL enum is its declaration order, which is CT4's
# when the project adopts an enum CT4 created (domain.md), and `no_lead_has_events` is appended
# by ALTER TYPE ... ADD VALUE wherever it lands. No rule compares or sorts by that order (only
# the display order of count_quarantine_by_status follows it), so membership is the contract.
def test_orphan_status_is_the_database_enum(engine: Engine) -> None:
    labels = enum_labels(engine, "status")
    assert len(labels) == len(set(labels))
    assert set(labels) == {member.value for member in OrphanStatus}
    # The SQL's own spelling of the type (enum_range(null::orphan_status)) is the same type.
    with engine.connect() as conn:
        status_range = conn.execute(COLUMN_ENUM, {"column": "status"}).mappings().one()
    assert status_range["status_range"] == labels


def test_detected_reason_is_the_database_enum(engine: Engine) -> None:
    labels = enum_labels(engine, "detected_reason")
    assert len(labels) == len(set(labels))
    assert set(labels) == {member.value for member in DetectedReason}


def test_history_columns_use_the_same_enums(engine: Engine) -> None:
    types = text(
        """
        select attribute.attname::text, attribute.atttypid::regtype::text
        from pg_catalog.pg_attribute as attribute
        where attribute.attrelid = cast(:table as regclass)
            and attribute.attname = any (cast(:columns as text[]))
        """
    )
    with engine.connect() as conn:
        quarantine = dict(
            conn.execute(
                types,
                {
                    "table": "canon.driver_orphan_quarantine",
                    "columns": ["status", "detected_reason"],
                },
            ).all()
        )
        history = dict(
            conn.execute(
                types,
                {
                    "table": "canon.driver_orphan_quarantine_history",
                    "columns": ["from_status", "to_status", "from_reason", "to_reason"],
                },
            ).all()
        )
    assert history == {
        "from_status": quarantine["status"],
        "to_status": quarantine["status"],
        "from_reason": quarantine["detected_reason"],
        "to_reason": quarantine["detected_reason"],
    }


def test_lead_table_is_the_sql_list_of_lead_tables(engine: Engine) -> None:
    with engine.connect() as conn:
        listed = conn.execute(text("select orphans.lead_tables()")).scalar_one()
    assert len(listed) == len(set(listed))
    assert set(listed) == {member.value for member in LeadTable}


def test_every_lead_table_the_sql_names_is_a_member() -> None:
    """Every `module_ct_*` name spelled in sql/ (a literal or a table) is a LeadTable member, and
    every member is spelled somewhere: a fourth lead table cannot hide in one statement."""
    root = sql.sql_dir()
    named: dict[str, set[Path]] = {}
    for path in root.rglob("*.sql"):
        for name in re.findall(r"\bmodule_ct_[a-z_]+\b", path.read_text(encoding="utf-8")):
            named.setdefault(name, set()).add(path.relative_to(root))
    # Index and sequence names built on a table's name are not table names.
    tables = {name for name in named if not name.endswith(("_idx", "_seq", "_pkey", "_key"))}
    assert tables == {member.value for member in LeadTable}, {
        name: sorted(map(str, named[name])) for name in tables - set(LeadTable)
    }


def test_lead_links_view_holds_exactly_the_links_of_lead_tables(fresh_engine: Engine) -> None:
    """orphans.lead_links, the one spelling of "has a lead link": a link of each LeadTable is
    in it; a driver link and a link of any other source are not."""
    person = uuid.uuid4()
    sources = [member.value for member in LeadTable] + ["drivers", "module_ct_other", "leads"]
    with fresh_engine.begin() as conn:
        conn.execute(
            text(
                "insert into canon.identity_registry (person_key, confidence_level) "
                "values (:person, 'HIGH')"
            ),
            {"person": person},
        )
        for source in sources:
            conn.execute(
                text(
                    "insert into canon.identity_links (person_key, source_table, source_pk, "
                    "snapshot_date, match_rule, match_score, confidence_level) "
                    "values (:person, :source, '1', now(), 'TEST', 1, 'HIGH')"
                ),
                {"person": person, "source": source},
            )
    with fresh_engine.connect() as conn:
        seen = conn.execute(
            text("select source_table from orphans.lead_links where person_key = :person"),
            {"person": person},
        ).scalars()
        assert sorted(seen) == sorted(member.value for member in LeadTable)


def dagster_names() -> tuple[set[str], set[str], set[str]]:
    graph = defs.resolve_asset_graph()
    assets = {key.to_user_string() for key in defs.resolve_all_asset_keys()}
    checks = {key.name for key in graph.asset_check_keys}
    # Dagster adds __ASSET_JOB, the implicit job of every asset; it is not ours to name.
    jobs = {job.name for job in defs.resolve_all_job_defs() if not job.name.startswith("__")}
    return assets, checks, jobs


def test_asset_check_and_job_names_are_the_code_locations() -> None:
    """Every asset key, check and job of the code location is a member, and every member is one
    of them: a renamed asset cannot leave a stale name behind in launch, alerts or the API."""
    assets, checks, jobs = dagster_names()
    assert assets == {member.value for member in AssetName}
    assert checks == {member.value for member in CheckName}
    assert jobs == {member.value for member in JobName}


def test_the_launchpad_review_actions_are_review_action() -> None:
    """The review job's config spells the actions by ReviewAction's values (`create-lead`),
    not its member names (CREATE_LEAD)."""
    config_type = ReviewConfig.SCHEMA["action"].config_type
    assert {value.config_value for value in config_type.enum_values} == {
        member.value for member in ReviewAction
    }


def test_the_run_queue_limits_the_pipeline_tag_every_orphans_job_carries() -> None:
    """dagster.yaml limits runs by RunTag.PIPELINE, and every job that writes carries it: a
    renamed tag would silently lift the one-run-at-a-time limit."""
    config = yaml.safe_load((REPO / "dagster.yaml").read_text())
    limits = config["concurrency"]["runs"]["tag_concurrency_limits"]
    assert {"key": RunTag.PIPELINE.value, "limit": 1} in limits
    for name in (JobName.FIX, JobName.DRY_RUN, JobName.REVIEW):
        assert RunTag.PIPELINE.value in defs.resolve_job_def(name.value).tags
