"""Dagster's instance storage never meets CT4's tables (issue 21, point 10).

Dagster's PostgreSQL storage creates its tables, and its own Alembic `alembic_version`, in the
first schema of its connection's search path. Pointed at CT4's database without a schema of its
own, that is CT4's `public`, which already holds CT4's `alembic_version` (revision
018_claims_cabinet_14d): Dagster then fails to start, after having written tables among CT4's.
Every entry point that starts Dagster checks its storage URL first and refuses such a target,
naming the fix.
"""

import psycopg

from orphans_pipeline.core import settings, sql

FIX = (
    "give Dagster its own database (ORPHANS_DAGSTER_STORAGE_URL=postgresql+psycopg2://…/"
    "dagster) or a schema of its own in this one (…?options=-csearch_path%3Ddagster; "
    "`orphans-pipeline db upgrade` creates schema dagster), or leave "
    "ORPHANS_DAGSTER_STORAGE_URL unset, which uses that schema"
)


class StorageRefused(settings.ConfigError):
    """Dagster's storage URL points where CT4's tables or another Alembic history are."""


# The database does not exist (dropped under a run): the server answered, the storage is gone.
DATABASE_GONE = "3D000"


def storage_lost(url: str, timeout_seconds: int = 2) -> bool:
    """Whether Dagster's storage database is gone: dropped, or its server not answering within
    `timeout_seconds`. A refusal that may pass (too many clients, a password) is not a loss."""
    error = _connect_error(url, timeout_seconds)
    return error is not None and error.sqlstate in (None, DATABASE_GONE)


def storage_answers(url: str, timeout_seconds: int = 2) -> bool:
    """Whether Dagster's storage database takes a connection now, within `timeout_seconds`."""
    return _connect_error(url, timeout_seconds) is None


def _connect_error(url: str, timeout_seconds: int) -> psycopg.Error | None:
    """What refused a connection to `url`, None when one opened (and closed)."""
    try:
        with psycopg.connect(settings.libpq_url(url), connect_timeout=timeout_seconds):
            return None
    except psycopg.Error as exc:
        return exc


def check_dagster_storage(url: str) -> None:
    """Refuse a storage target whose schema holds another application's alembic_version, or
    that is a CT4 database's schema `public`; a database that cannot be reached is left to
    Dagster to report."""
    try:
        conn = psycopg.connect(settings.libpq_url(url), connect_timeout=10)
    except psycopg.Error:
        return
    with conn:
        row = conn.execute(sql.load_text("schema/select_storage_target")).fetchone()
    assert row is not None
    schema_name, has_alembic_version, has_dagster_runs, has_ct4 = row
    if schema_name is None:
        raise StorageRefused(
            "Dagster's storage (ORPHANS_DAGSTER_STORAGE_URL, or the one derived from "
            "DATABASE_URL) names no schema that exists: run `orphans-pipeline db upgrade`, "
            f"which creates schema dagster, or {FIX}"
        )
    if has_alembic_version and not has_dagster_runs:
        raise StorageRefused(
            f"Dagster's storage would share schema {schema_name} with another application's "
            f"alembic_version (CT4's own, on a CT4 database): {FIX}"
        )
    if has_ct4 and schema_name == "public":
        raise StorageRefused(
            "Dagster's storage would create its tables in schema public of a CT4 database, "
            f"among CT4's own: {FIX}"
        )
