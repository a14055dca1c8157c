"""Where the databases are: `DATABASE_URL`, or the embedded PostgreSQL under `ORPHANS_HOME`.

Everything is resolved when asked for, never at import time, so a test or a command can change
the environment before it connects.
"""

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

CT4_DATABASE = "ct4"
DAGSTER_DATABASE = "dagster"


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def orphans_home() -> Path:
    """The directory holding the embedded server's data (absolute, created on demand)."""
    home = Path(os.environ.get("ORPHANS_HOME", ".orphans")).expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home


def reports_root() -> Path:
    """Reports may only be written below this directory (absolute)."""
    root = os.environ.get("ORPHANS_REPORTS_ROOT") or str(orphans_home().parent / "reports")
    return Path(root).expanduser().resolve()


def with_driver(url: str, driver: str) -> str:
    """Return `url` with its scheme set to `postgresql+<driver>`.

    SQLAlchemy 2.1 reads a bare `postgresql://` as psycopg 3, which dagster-postgres cannot use,
    so every consumer asks for the driver it needs explicitly.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme not in ("postgresql", "postgres"):
        raise ConfigError(
            f"not a PostgreSQL URL (scheme {parts.scheme!r}); expected postgresql://user@host/db"
        )
    return urlunsplit(parts._replace(scheme=f"postgresql+{driver}"))


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def with_query(url: str, **extra: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(extra)
    return urlunsplit(parts._replace(query=urlencode(query)))


def libpq_url(url: str) -> str:
    """The URL as libpq (psql, psycopg.connect) understands it: no SQLAlchemy driver suffix."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme=parts.scheme.split("+", 1)[0]))


@dataclass(frozen=True)
class Databases:
    """Resolved connection URLs (SQLAlchemy form)."""

    ct4_url: str
    dagster_storage_url: str
    embedded: bool


def resolve_databases() -> Databases:
    """Resolve where CT4 data and Dagster's instance storage live.

    - `DATABASE_URL` set: CT4 data there; Dagster's storage in the same database, in its own
      `dagster` schema (or `ORPHANS_DAGSTER_STORAGE_URL` when set).
    - unset: the embedded server, started on demand, with databases `ct4` and `dagster`.
    """
    explicit = os.environ.get("DATABASE_URL")
    storage_override = os.environ.get("ORPHANS_DAGSTER_STORAGE_URL")
    if explicit:
        ct4 = with_driver(explicit, "psycopg")
        storage = storage_override or with_query(
            with_driver(explicit, "psycopg2"), options="-csearch_path=dagster"
        )
        return Databases(ct4, with_driver(storage, "psycopg2"), embedded=False)

    from orphans_pipeline.core import embedded

    base = embedded.ensure_running(orphans_home())
    ct4 = with_driver(with_database(base, CT4_DATABASE), "psycopg")
    storage = storage_override or with_driver(with_database(base, DAGSTER_DATABASE), "psycopg2")
    return Databases(ct4, with_driver(storage, "psycopg2"), embedded=True)


def database_url() -> str:
    """The CT4 database URL for SQLAlchemy (psycopg 3)."""
    return resolve_databases().ct4_url
