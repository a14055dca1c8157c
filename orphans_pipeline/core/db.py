"""Engines for the CT4 database (SQLAlchemy 2 Core over psycopg 3)."""

from functools import cache

from sqlalchemy import Engine, create_engine

from orphans_pipeline.core import embedded, settings


def start_database() -> None:
    """The explicit first step of every entry point (the CLI, `serve`, the Dagster resource).

    With `DATABASE_URL` unset, start the embedded PostgreSQL under `ORPHANS_HOME` (or reuse the
    one running there); with it set, there is nothing to start. Settings never start anything.
    """
    config = settings.load()
    if config.database_url is None and embedded.running_url(config.orphans_home) is None:
        embedded.ensure_running(settings.writable_home(config.orphans_home))


@cache
def engine_for(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url`, or for the configured CT4 database (DATABASE_URL or embedded)."""
    return engine_for(settings.with_driver(url or settings.database_url(), "psycopg"))
