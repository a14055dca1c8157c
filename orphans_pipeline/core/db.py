"""Engines for the CT4 database (SQLAlchemy 2 Core over psycopg 3)."""

from functools import cache

from sqlalchemy import Engine, create_engine

from orphans_pipeline.core import settings


@cache
def engine_for(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url`, or for the configured CT4 database (DATABASE_URL or embedded)."""
    return engine_for(settings.with_driver(url or settings.database_url(), "psycopg"))
