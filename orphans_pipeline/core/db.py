"""Engines and connections for the CT4 database (SQLAlchemy 2 Core over psycopg 3)."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.exc import OperationalError

from orphans_pipeline.core import settings


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached; the message names it without its password."""


@cache
def engine_for(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url`, or for the configured CT4 database (DATABASE_URL or embedded)."""
    return engine_for(settings.with_driver(url or settings.database_url(), "psycopg"))


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """A connection inside one transaction: committed on success, rolled back on any error."""
    try:
        with engine.begin() as conn:
            yield conn
    except OperationalError as exc:
        if "connection" in str(exc).lower() and exc.connection_invalidated is False:
            raise DatabaseUnavailable(
                f"cannot reach the database {engine.url.render_as_string(hide_password=True)}: "
                f"{exc.orig}"
            ) from exc
        raise
