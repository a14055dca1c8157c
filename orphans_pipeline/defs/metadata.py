"""Metadata helpers: numbers the UI plots, table previews of at most 20 rows, and the catalog
entries (owners, tags, table names and column schemas) the assets declare."""

from datetime import timedelta
from typing import Any

import dagster as dg

from orphans_pipeline.core import alerts
from orphans_pipeline.core.vocabulary import OrphanStatus

# Who answers for the assets: shown as the asset's owner in the catalog.
OWNERS = ["team:ct4-data"]
# The last successful execute older than this is overdue (the weekly run plus a day): the
# freshness alert sensor's default.
QUARANTINE_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(days=alerts.DEFAULT_FRESHNESS_DAYS)
)
PREVIEW_KEY_CHARS = 8


def _column(name: str, type_: str, description: str, nullable: bool = True) -> dg.TableColumn:
    constraints = None if nullable else dg.TableColumnConstraints(nullable=False)
    return dg.TableColumn(name, type_, description=description, constraints=constraints)


# The tables' columns as the migrations create them; test_catalog checks them against
# information_schema, so a column added later is noticed.
TABLE_COLUMNS: dict[str, list[dg.TableColumn]] = {
    "orphans.run_candidates": [
        _column("run_id", "text", "the Dagster run that staged the row", False),
        _column("driver_id", "varchar", "the orphan driver", False),
        _column("driver_key", "text", "the driver link's source_pk", False),
        _column("person_key", "uuid", "the person of the driver link"),
        _column("driver_link_id", "int4", "canon.identity_links id of the driver link"),
        _column("creation_rule", "varchar", "how the driver link was created"),
        _column("driver_link_evidence", "jsonb", "the driver link's evidence"),
    ],
    "orphans.run_events": [
        _column("run_id", "text", "the Dagster run that staged the row", False),
        _column("driver_id", "varchar", "the orphan driver", False),
        _column("person_key", "uuid", "the orphan's person"),
        _column("event_id", "int4", "observational.lead_events id", False),
        _column("source_table", "varchar", "the lead's table", False),
        _column("source_pk", "varchar", "the lead's source_pk", False),
        _column("event_date", "date", "the event's date", False),
        _column("level", "text", "evidence level: L1, L2 or L3", False),
        _column("match_strategy", "text", "how the event matched the driver", False),
        _column("is_ambiguous", "bool", "the event matches more than one driver", False),
        _column("is_claimed_by_other", "bool", "another person already has the lead", False),
        _column("why", "text", "why the event is not usable"),
    ],
    "canon.identity_links": [
        _column("id", "int4", "the link's id", False),
        _column("person_key", "uuid", "the person linked", False),
        _column("source_table", "varchar", "the source record's table", False),
        _column("source_pk", "varchar", "the source record's key", False),
        _column("snapshot_date", "timestamptz", "when the source was read", False),
        _column(
            "match_rule", "varchar", "LEAD_EVENT_RECONSTRUCTION for the pipeline's links", False
        ),
        _column("match_score", "int4", "the match's score", False),
        _column("confidence_level", "confidencelevel", "the match's confidence", False),
        _column("evidence", "jsonb", "the pipeline's evidence (run, event, level)"),
        _column("linked_at", "timestamptz", "when the link was made", nullable=False),
        _column("run_id", "int4", "CT4's ingestion run (not a Dagster run)"),
    ],
    "canon.driver_orphan_quarantine": [
        _column("driver_id", "varchar", "the orphan driver", False),
        _column("person_key", "uuid", "the driver's person"),
        _column("detected_at", "timestamptz", "first detected", False),
        _column("detected_reason", "orphan_detected_reason", "why it is an orphan", False),
        _column("creation_rule", "varchar", "how the driver link was created"),
        _column("evidence_json", "jsonb", "the lead events judged, with the reason"),
        _column(
            "status",
            "orphan_status",
            ", ".join(OrphanStatus),
            False,
        ),
        _column("resolved_at", "timestamptz", "when it left the quarantine"),
        _column("resolution_notes", "text", "how it was resolved"),
    ],
}


def table_metadata(table: str) -> dict[str, Any]:
    """The catalog's table name and column schema, for an asset's definition metadata."""
    return {
        "dagster/table_name": table,
        "dagster/column_schema": dg.TableSchema(columns=TABLE_COLUMNS[table]),
    }


def row_count(rows: int) -> dict[str, dg.MetadataValue]:
    return {"dagster/row_count": dg.MetadataValue.int(int(rows))}


def short_keys(rows: list[dict[str, Any]], key: str = "person_key") -> list[dict[str, Any]]:
    """Long keys (a uuid) cut to their first characters, so a preview row fits on one line."""
    return [
        {
            **row,
            key: (
                str(row[key])[:PREVIEW_KEY_CHARS] + "…"
                if row.get(key) is not None and len(str(row[key])) > PREVIEW_KEY_CHARS
                else row.get(key)
            ),
        }
        if key in row
        else row
        for row in rows
    ]


def table_preview(rows: list[dict[str, Any]]) -> dg.MetadataValue:
    """A table of up to 20 rows; every value as shown in the UI (text, numbers, booleans)."""
    rows = rows[:20]
    columns = list(rows[0]) if rows else ["driver_id"]
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn(name, "int" if rows and isinstance(rows[0][name], int) else "string")
            for name in columns
        ]
    )
    records = [
        dg.TableRecord(
            {
                k: v if isinstance(v, int | float | bool) or v is None else str(v)
                for k, v in row.items()
            }
        )
        for row in rows
    ]
    return dg.MetadataValue.table(records=records, schema=schema)


def numeric(counts: dict[str, int], prefix: str = "") -> dict[str, dg.MetadataValue]:
    return {f"{prefix}{key}": dg.MetadataValue.int(int(value)) for key, value in counts.items()}
