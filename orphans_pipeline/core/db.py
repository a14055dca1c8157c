"""Engines for the CT4 database (SQLAlchemy 2 Core over psycopg 3)."""

from pathlib import Path

from sqlalchemy import Engine, create_engine

from orphans_pipeline.core import embedded, settings


def start_database() -> None:
    """The explicit first step of every entry point (the CLI, `serve`, the Dagster resource).

    With `DATABASE_URL` unset, start the embedded PostgreSQL under `ORPHANS_HOME` (or reuse the
    one running there); with it set, there is nothing to start. Settings never start anything.
    """
    config = settings.load()
    if config.database_url is None:
        start_embedded(config.orphans_home)


def start_embedded(home: Path) -> None:
    """Start the embedded PostgreSQL under `home`, unless it is running there already."""
    if embedded.running_url(home) is None:
        embedded.ensure_running(settings.writable_home(home))


# One engine (one pool) per database URL for the life of the process.
_ENGINES: dict[str, Engine] = {}


def engine_for(url: str) -> Engine:
    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
    return engine


def dispose_engines() -> None:
    """Close every pooled connection of this process (a long-lived process that is done with
    a database, a test that is about to drop its own)."""
    while _ENGINES:
        _url, engine = _ENGINES.popitem()
        engine.dispose()


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url`, or for the configured CT4 database (DATABASE_URL or embedded)."""
    return engine_for(settings.with_driver(url or settings.database_url(), "psycopg"))
