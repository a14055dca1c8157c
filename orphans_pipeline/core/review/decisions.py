"""The bulk decisions file (`review bulk --file`): a CSV read into plain rows.

The file is bounded (a bulk review holds the pipeline lock while its lines run, and reviews
and runs wait for it), read as UTF-8 with or without a byte order mark (as spreadsheets save
it), and its header must name each column once: a column given twice has no one meaning.
"""

import csv
import io
from pathlib import Path

from orphans_pipeline.core.review.refusals import ReviewRefused

BULK_COLUMNS = ("driver_id", "action", "source_table", "source_pk", "notes")
MAX_BULK_DECISIONS = 2000
MAX_BULK_BYTES = 1024 * 1024


def read_decisions(path: Path) -> list[dict[str, str]]:
    """The decisions CSV: a header with driver_id, action, source_table, source_pk, notes,
    then at most MAX_BULK_DECISIONS rows, in at most MAX_BULK_BYTES."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BULK_BYTES + 1)
        if len(raw) > MAX_BULK_BYTES:
            raise ReviewRefused(
                f"{path} is larger than {MAX_BULK_BYTES} bytes: a bulk file holds at most "
                f"{MAX_BULK_DECISIONS} decisions in {MAX_BULK_BYTES // 1024} KiB; split it"
            )
        reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
        header = list(reader.fieldnames or [])
        twice = sorted({name for name in header if header.count(name) > 1})
        if twice:
            raise ReviewRefused(
                f"{path}: column(s) {', '.join(twice)} appear more than once in the header: "
                "name each column once"
            )
        missing = [c for c in BULK_COLUMNS if c not in header]
        if missing:
            raise ReviewRefused(f"{path}: missing column(s) {', '.join(missing)}")
        decisions: list[dict[str, str]] = []
        for row in reader:
            if len(decisions) == MAX_BULK_DECISIONS:
                raise ReviewRefused(
                    f"{path} holds more than {MAX_BULK_DECISIONS} decisions: split it"
                )
            decisions.append({k: (v or "") for k, v in row.items() if k in BULK_COLUMNS})
        return decisions
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ReviewRefused(f"cannot read {path}: {exc}") from exc
