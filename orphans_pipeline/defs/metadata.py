"""Metadata helpers: numbers the UI plots, and table previews of at most 20 rows."""

from typing import Any

import dagster as dg


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
