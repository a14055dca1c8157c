"""Where things are: plain data read from the environment, with no side effects.

`load()` reads the environment when it is called (never at import time, so a test or a command
can set it first) and returns a frozen `Settings`; nothing here starts a server or creates a
directory. Starting the embedded PostgreSQL is an explicit step of each entry point
(`db.start_database()`: the CLI, `serve`, and the Dagster resource when `DATABASE_URL` is unset);
`resolve_databases()` then only reads where that server listens.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from orphans_pipeline.core import shipped
from orphans_pipeline.core.embedded import CT4_DATABASE, DAGSTER_DATABASE, running_url


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _absolute(value: str) -> Path:
    return Path(value).expanduser().resolve()


def default_orphans_home() -> Path:
    """`.orphans/` in the checkout when the code runs from one, else the user's data directory
    `$XDG_DATA_HOME/orphans_pipeline` (~/.local/share/...).

    Absolute either way, so a sensor tick, a run worker or a command started from another
    directory finds the same embedded server as `make`.
    """
    checkout = shipped.checkout_root()
    if checkout is not None:
        return checkout / ".orphans"
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return _absolute(data_home) / "orphans_pipeline"


@dataclass(frozen=True)
class Settings:
    """The deployment's settings (see README, Environment); every path is absolute."""

    # The CT4 database; None: the embedded server under orphans_home.
    database_url: str | None
    # The embedded server's data, Dagster's local files and, by default, the reports.
    orphans_home: Path
    # Reports may only be written inside it.
    reports_root: Path
    # Holds dagster.yaml (the packaged one is written there when absent).
    dagster_home: Path
    # Dagster's instance storage; None: derived from the CT4 database.
    dagster_storage_url: str | None

    @classmethod
    def from_env(cls) -> "Settings":
        home = (
            _absolute(os.environ["ORPHANS_HOME"])
            if os.environ.get("ORPHANS_HOME")
            else default_orphans_home()
        )
        reports = os.environ.get("ORPHANS_REPORTS_ROOT")
        dagster_home = os.environ.get("DAGSTER_HOME")
        # A checkout keeps reports in reports/ and holds dagster.yaml at its root, as `make`.
        checkout = shipped.checkout_root()
        return cls(
            database_url=os.environ.get("DATABASE_URL") or None,
            orphans_home=home,
            reports_root=(
                _absolute(reports)
                if reports
                else checkout / "reports"
                if checkout is not None
                else home / "reports"
            ),
            dagster_home=(
                _absolute(dagster_home)
                if dagster_home
                else checkout
                if checkout is not None
                else home / "dagster"
            ),
            dagster_storage_url=os.environ.get("ORPHANS_DAGSTER_STORAGE_URL") or None,
        )


# How long the leak check may read one of CT4's own views (README, Environment).
LEAK_CHECK_VIEW_SECONDS = 20.0


def leak_check_view_seconds() -> float:
    """ORPHANS_LEAK_CHECK_VIEW_SECONDS: the time budget of the leak check for each of CT4's own
    views (some of CT4's views cost more than linear time to read)."""
    raw = os.environ.get("ORPHANS_LEAK_CHECK_VIEW_SECONDS")
    if not raw:
        return LEAK_CHECK_VIEW_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 86400:
        raise ConfigError(
            f"ORPHANS_LEAK_CHECK_VIEW_SECONDS={raw!r}: give a number of seconds over 0 and at "
            "most 86400"
        )
    return seconds


def load() -> Settings:
    """The settings as the environment holds them now."""
    return Settings.from_env()


def orphans_home() -> Path:
    """The directory of the embedded server's data (absolute; not created here)."""
    return load().orphans_home


def writable_home(home: Path) -> Path:
    """Create `home` if needed and prove this user can write it, or say what to do (one line).

    Called by the steps that use the embedded server (its start and `db stop`), never by a
    plain read of the settings.
    """
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
    return load().reports_root


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


def resolve_databases(config: Settings | None = None) -> Databases:
    """Resolve where CT4 data and Dagster's instance storage live (starts nothing).

    - `DATABASE_URL` set: CT4 data there; Dagster's storage in the same database, in its own
      `dagster` schema (or `ORPHANS_DAGSTER_STORAGE_URL` when set).
    - unset: the embedded server under `ORPHANS_HOME`, with databases `ct4` and `dagster`; the
      entry point must have started it (`db.start_database()`).
    """
    config = config or load()
    storage_override = config.dagster_storage_url
    for name, given in (
        ("DATABASE_URL", config.database_url),
        ("ORPHANS_DAGSTER_STORAGE_URL", storage_override),
    ):
        if given:
            check_database_url(name, given)
    if config.database_url:
        ct4 = with_driver(config.database_url, "psycopg")
        storage = storage_override or with_query(
            with_driver(config.database_url, "psycopg2"), options="-csearch_path=dagster"
        )
        return Databases(ct4, with_driver(storage, "psycopg2"), embedded=False)

    ct4 = embedded_url(config.orphans_home, CT4_DATABASE, "psycopg")
    storage = storage_override or embedded_url(config.orphans_home, DAGSTER_DATABASE, "psycopg2")
    return Databases(ct4, with_driver(storage, "psycopg2"), embedded=True)


def embedded_url(home: Path, database: str, driver: str) -> str:
    """The URL of `database` on the embedded server under `home`, which must be running."""
    base = running_url(home)
    if base is None:
        raise ConfigError(
            f"DATABASE_URL is not set and the embedded PostgreSQL under {home} "
            "is not running: start it with any `orphans-pipeline` command (for example "
            "`orphans-pipeline db url`), or set DATABASE_URL"
        )
    return with_driver(with_database(base, database), driver)


def database_url() -> str:
    """The CT4 database URL for SQLAlchemy (psycopg 3)."""
    return resolve_databases().ct4_url
