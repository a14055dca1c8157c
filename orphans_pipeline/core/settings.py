"""Where the databases are: `DATABASE_URL`, or the embedded PostgreSQL under `ORPHANS_HOME`.

Everything is resolved when asked for, never at import time, so a test or a command can change
the environment before it connects.
"""

import os
import re
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
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"ORPHANS_HOME {home} cannot be created ({exc.strerror}): set ORPHANS_HOME to a "
            "directory this user can write, or DATABASE_URL to use a server of your own"
        ) from None
    if not os.access(home, os.W_OK | os.X_OK):
        raise ConfigError(
            f"ORPHANS_HOME {home} is not writable by this user: set ORPHANS_HOME to a "
            "directory this user can write, or DATABASE_URL to use a server of your own"
        )
    return home


# Characters a URL's user name or password must carry percent-encoded.
PERCENT_ENCODE_HINT = (
    "percent-encode special characters in the user name and password "
    "(@ as %40, : as %3A, / as %2F, ? as %3F, # as %23, % as %25), "
    "e.g. python3 -c 'import urllib.parse, sys; print(urllib.parse.quote(sys.argv[1], safe=\"\"))' "
    "'<password>'"
)
BAD_PERCENT_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def check_database_url(name: str, url: str) -> None:
    """Refuse, in one line that never shows the password, a URL that would be misread.

    An unencoded `@ / ? #` or a stray `%` in a password moves the host, port or database, and
    the drivers then fail far away ("invalid literal for int()", an unknown host).
    """
    parts = urlsplit(url.strip())
    problem = None
    if parts.netloc.count("@") > 1:
        problem = "more than one @ before the host"
    elif "@" in parts.path + parts.query + parts.fragment:
        problem = "an @ after the host (a / ? or # in the password ends the host part early)"
    elif parts.fragment:
        problem = "a # (which starts a fragment)"
    elif BAD_PERCENT_ESCAPE.search(parts.netloc):
        problem = "a % that is not followed by two hexadecimal digits"
    else:
        try:
            parts.port  # noqa: B018 - parsing the port is the check
        except ValueError:
            problem = "a port that is not a number"
    if problem:
        raise ConfigError(f"{name} is malformed: {problem}; {PERCENT_ENCODE_HINT}")


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
    for name, given in (
        ("DATABASE_URL", explicit),
        ("ORPHANS_DAGSTER_STORAGE_URL", storage_override),
    ):
        if given:
            check_database_url(name, given)
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
