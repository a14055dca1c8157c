"""Engines for the CT4 database (SQLAlchemy 2 Core over psycopg 3)."""

from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url

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
# The project's sessions run without JIT. A server built with LLVM compiles every plan whose
# estimated cost passes jit_above_cost, and the planner's estimates for a run's lookups run to
# billions for statements that read thousands of rows: on PostgreSQL 15 with JIT, a first
# execute at 100,000 drivers took 6.5 s with it and 5.3 s without (the hand-written job 2.2 s
# and 1.3 s). A URL's own `options` are kept as they are.
SESSION_OPTIONS = "-c jit=off"


def engine_for(url: str) -> Engine:
    engine = _ENGINES.get(url)
    if engine is None:
        given = "options" in make_url(url).query
        engine = _ENGINES[url] = create_engine(
            url,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=5,
            connect_args={} if given else {"options": SESSION_OPTIONS},
        )
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
