"""Load and run the `.sql` files: one statement per file, values only as bound parameters.

A file is named `verb_object.sql` and its header comment says what it does and returns; the
core function that runs it carries the same name, so a rule is found in one search.
"""

import os
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, CursorResult, String, bindparam, text
from sqlalchemy.sql.elements import TextClause

from orphans_pipeline.core.shipped import shipped_path


def sql_dir() -> Path:
    """The `sql/` directory: the checkout's, or the wheel's copy (`ORPHANS_SQL_DIR` overrides)."""
    override = os.environ.get("ORPHANS_SQL_DIR")
    if override:
        return Path(override)
    return shipped_path("sql")


@cache
def load_text(name: str) -> str:
    """The text of `sql/<name>.sql` (for example `pipeline/detect_orphans`)."""
    path = sql_dir() / f"{name}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"SQL file not found: {path}")
    return path.read_text(encoding="utf-8")


@cache
def statement(name: str) -> TextClause:
    return text(load_text(name))


def run(conn: Connection, name: str, **params: Any) -> CursorResult[Any]:
    """Execute `sql/<name>.sql` on `conn` with bound `params`."""
    return conn.execute(statement(name), params)


def run_utility(conn: Connection, name: str, **params: str) -> None:
    """Execute `sql/<name>.sql`, a utility statement that PostgreSQL takes no parameter in
    (SET TRANSACTION SNAPSHOT): each value is rendered as a quoted string literal by the
    dialect as the statement executes (SQLAlchemy's literal_execute), never pasted into the
    file's text."""
    clause = statement(name).bindparams(
        *(bindparam(key, type_=String(), literal_execute=True) for key in params)
    )
    conn.execute(clause, params)
