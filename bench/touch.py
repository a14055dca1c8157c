"""Apply bench/touch.sql ("1 % of the drivers touched", issue 22) to a CT4 database.

bench/run.py calls `apply` between the executes of one copy; by hand:
    DATABASE_URL=... python bench/touch.py
prints the touched drivers per kind and the rows each statement changed. One transaction.
"""

import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

TOUCH_SQL = Path(__file__).resolve().with_name("touch.sql")


@dataclass
class Touched:
    seconds: float = 0.0
    drivers: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # step -> rows changed

    def describe(self) -> str:
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.kinds.items()))
        return f"{self.drivers:,} drivers touched ({kinds})"


def statements() -> list[tuple[str, str]]:
    """(step name, statement) in file order: each statement starts at a `-- step:` line."""
    text = TOUCH_SQL.read_text()
    parts = re.split(r"^-- step: ", text, flags=re.MULTILINE)[1:]
    return [(part.splitlines()[0].strip(), "-- step: " + part) for part in parts]


def apply(url: str) -> Touched:
    touched = Touched()
    started = time.monotonic()
    with psycopg.connect(url) as conn:
        for name, statement in statements():
            cursor = conn.execute(statement)
            if cursor.rowcount >= 0 and name not in ("sequences", "choose", "analyze"):
                touched.rows[name] = cursor.rowcount
        for kind, count in conn.execute("select kind, count(*) from bench_touch group by kind"):
            touched.kinds[str(kind)] = int(count)
        conn.commit()
    touched.drivers = sum(touched.kinds.values())
    touched.seconds = time.monotonic() - started
    return touched


def main() -> int:
    touched = apply(os.environ["DATABASE_URL"])
    print(f"{touched.describe()} in {touched.seconds:.1f} s")
    for name, rows in touched.rows.items():
        print(f"  {rows:>8}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
