from pathlib import Path

from sqlalchemy import Engine

from orphans_pipeline.core import fix


def run_fix(engine: Engine, *, execute: bool = True, limit: int | None = None) -> fix.FixResult:
    return fix.run_fix(engine, fix.FixOptions(execute=execute, limit=limit, lock_wait_seconds=5))


def report_rows(result: fix.FixResult) -> list[dict[str, str]]:
    import csv

    with Path(result.report_csv).open(newline="") as handle:
        return list(csv.DictReader(handle))


def report_row(result: fix.FixResult, driver_id: str) -> dict[str, str]:
    rows = [row for row in report_rows(result) if row["driver_id"] == driver_id]
    assert len(rows) == 1, f"{driver_id} not in the report once: {rows}"
    return rows[0]
