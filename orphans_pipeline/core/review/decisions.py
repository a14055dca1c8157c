"""The bulk decisions file (`review bulk --file`): a CSV read into plain rows."""

import csv
from pathlib import Path

from orphans_pipeline.core.review.refusals import ReviewRefused

BULK_COLUMNS = ("driver_id", "action", "source_table", "source_pk", "notes")


def read_decisions(path: Path) -> list[dict[str, str]]:
    """The decisions CSV: a header with driver_id, action, source_table, source_pk, notes."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in BULK_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ReviewRefused(f"{path}: missing column(s) {', '.join(missing)}")
            return [{k: (v or "") for k, v in row.items() if k in BULK_COLUMNS} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ReviewRefused(f"cannot read {path}: {exc}") from exc
