"""Create the CT4 subset (demo and test databases) and migrate what the project owns."""

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.exc import DBAPIError

from orphans_pipeline.core import settings, sql, views

# Alembic is imported where a migration or its scripts are read, never at import: the schema
# check every process makes (the CLI's, a code server's, a run worker's, each on the way to a
# run's first step) reads one row, and Alembic's import costs each of them 0.1 s.
if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import Script

# Alembic keeps our version here, beside CT4's own `alembic_version`, so the two histories
# never touch each other.
VERSION_TABLE = "orphans_pipeline_alembic_version"
# The revisions' scripts, each file named by its revision id: 0001_..., 0002_..., one line of
# history (test_migrations holds `head_revision` to Alembic's own answer).
VERSIONS_DIR = Path(__file__).resolve().parents[1] / "alembic" / "versions"
_REVISION_FILE = re.compile(r"^(\d{4})_\w+\.py$")

CT4_FILES = (
    "ct4/create_canon_schema",
    "ct4/create_observational_schema",
    "ct4/create_confidencelevel_type",
    "ct4/create_identity_registry_table",
    "ct4/create_identity_links_table",
    "ct4/create_lead_events_table",
    "ct4/create_drivers_table",
    "ct4/create_cabinet_leads_table",
    "ct4/create_cabinet_leads_external_id_index",
    "ct4/create_scouting_daily_table",
    "ct4/create_migrations_table",
    "ct4/create_summary_daily_table",
)

CT4_TABLES = (
    "canon.identity_registry",
    "canon.identity_links",
    "observational.lead_events",
    "public.drivers",
    "public.module_ct_cabinet_leads",
    "public.module_ct_scouting_daily",
    "public.module_ct_migrations",
    "public.summary_daily",
)

OWNED_TABLES = (
    "canon.driver_orphan_quarantine",
    "canon.driver_orphan_quarantine_history",
)


# The roles of least privilege (sql/grants): the pipeline's and the reviewers' (and the API's).
ROLES = ("orphans_pipeline", "orphans_reviewer")
GRANT_FILES = (
    "grants/create_orphans_roles",
    "grants/grant_orphans_pipeline_privileges",
    "grants/grant_orphans_reviewer_privileges",
)


class SchemaNotReady(settings.ConfigError):
    """The database lacks the project's schema, or an older revision of it."""


class NotCT4(settings.ConfigError):
    """The database has no CT4 tables to install into."""


class MigrationFailed(settings.ConfigError):
    """A statement of a revision failed; the message names the file, its object, the database's
    words and what to do. The upgrade is one transaction: nothing of it was kept."""


# The object a migration statement creates or changes, from its first DDL line.
_DDL_OBJECT = re.compile(
    r"^\s*(?:create|alter|drop)\s+(?:or\s+replace\s+)?(?:unique\s+|constraint\s+)?"
    r"(?:materialized\s+view|view|function|table|index|trigger|type|schema|sequence)\s+"
    r"(?:if\s+(?:not\s+)?exists\s+)?([\w.\"]+)",
    re.IGNORECASE | re.MULTILINE,
)


def statement_object(name: str) -> str | None:
    """The object the statement of `sql/<name>.sql` creates or changes, if it names one."""
    found = _DDL_OBJECT.search(sql.load_text(name))
    return found.group(1) if found else None


def run_files(conn: Connection, names: tuple[str, ...]) -> None:
    for name in names:
        try:
            sql.run(conn, name)
        except DBAPIError as exc:
            raise _migration_failed(name, exc) from exc


def _migration_failed(name: str, exc: DBAPIError) -> MigrationFailed:
    words = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
    target = statement_object(name)
    what = f" ({target})" if target else ""
    advice = (
        "an object of that name already exists with other columns or another kind (CT4's "
        "own?): the project never drops or changes CT4's views or functions, so rename or "
        "drop nothing of CT4's; report this with the object's definition"
        if re.search(r"cannot (drop|change)|already exists|is not a", words)
        else "fix what the database names, from a backup if need be, and run "
        "`orphans-pipeline db upgrade` again"
    )
    return MigrationFailed(
        f"db upgrade failed at sql/{name}.sql{what}: {words}. Nothing of this upgrade was "
        f"kept (it is one transaction); {advice}"
    )


def create_ct4(engine: Engine) -> None:
    """Create the CT4 subset of domain.md where absent (demo and test databases only), with
    CT4's real column types. Tables this creates are marked as the subset's, so that the guard
    is installed in enforce mode there (record on a CT4 the project did not create)."""
    created = not table_exists(engine, "canon.identity_links")
    with engine.begin() as conn:
        run_files(conn, CT4_FILES)
        if created:
            sql.run(conn, "ct4/comment_identity_links_table")


def alembic_config(conn: Connection | None = None) -> "Config":
    """Alembic's configuration, built here (there is no alembic.ini): the scripts are found
    inside the installed package, whatever the working directory."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "orphans_pipeline:alembic")
    cfg.attributes["connection"] = conn
    return cfg


def revision_files() -> dict[str, tuple[str, ...]]:
    """Each revision's SQL files (its `FILES`, in the order it runs them), oldest first.

    A revision runs only files of its own folder `sql/migrations/<revision>/`, which never change
    once it has landed (pinned by sql/migrations/checksums.sha256): a change of a view or a
    function is a new revision.
    """
    return {rev.revision: tuple(getattr(rev.module, "FILES", ())) for rev in _revisions()}


def revision_reruns() -> dict[str, tuple[str, ...]]:
    """The files of earlier revisions each revision runs again (its `RERUNS`), only in a
    savepoint it rolls back, to compare what they create with what a database holds."""
    return {
        rev.revision: tuple(dict(getattr(rev.module, "RERUNS", {})).values())
        for rev in _revisions()
    }


def _revisions() -> list["Script"]:
    """The project's Alembic revisions, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return list(reversed(list(script.walk_revisions("base", "heads"))))


def upgrade(engine: Engine, revision: str = "head") -> float | None:
    """Apply the project's migrations; running it twice changes nothing. Then fill the claims
    list if a migration created it empty: the seconds that took, else None."""
    missing = [
        t
        for t in ("canon.identity_registry", "canon.identity_links")
        if not table_exists(engine, t)
    ]
    if missing:
        raise NotCT4(
            f"the CT4 tables {', '.join(missing)} do not exist in this database: point "
            "DATABASE_URL at a CT4 database, or run `orphans-pipeline db create-ct4` for a "
            "demo or test database"
        )
    from alembic import command

    with engine.begin() as conn:
        sql.run(conn, "session/disable_parallel_query")
        command.upgrade(alembic_config(conn), revision)
    # Its own step, after the migrations committed: CT4 never reads an unpopulated view.
    return views.populate_cabinet_claims_computed(engine)


def current_revision(engine: Engine) -> str | None:
    """The project's revision in this database, as Alembic recorded it; None before the first
    `db upgrade` (no version table yet)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        return sql.run(conn, "schema/select_project_revision").scalar_one_or_none()


def table_exists(engine: Engine, qualified: str) -> bool:
    schema, name = qualified.split(".", 1)
    return inspect(engine).has_table(name, schema=schema)


def head_revision() -> str | None:
    """The newest of the project's revisions: the highest id among the scripts' file names."""
    found = (_REVISION_FILE.match(path.name) for path in VERSIONS_DIR.iterdir())
    return max((match.group(1) for match in found if match), default=None)


def require_current(engine: Engine) -> None:
    """Refuse to run against a database without the project's schema at its latest revision."""
    current = current_revision(engine)
    head = head_revision()
    if current is None:
        raise SchemaNotReady(
            "this database has no orphans_pipeline schema: run `orphans-pipeline db upgrade` "
            "(and, for a demo or test database, `orphans-pipeline db create-ct4` first)"
        )
    if current != head:
        raise SchemaNotReady(
            f"this database is at orphans_pipeline revision {current}, the code needs {head}: "
            "run `orphans-pipeline db upgrade`"
        )


# SQLSTATEs of a statement that names an object the database lacks: on a database without the
# project's schema (or an older one), what every read of it meets first.
_MISSING_OBJECT = {"42P01", "42883", "42704", "3F000", "42703"}


def database_problem(engine: Engine | None, exc: DBAPIError) -> str:
    """What to tell a person about a database error, in one line and with no SQL text: that
    `db upgrade` is needed when the project's schema is missing or older, else the first line
    of the database's own message."""
    state = getattr(exc.orig, "sqlstate", None)
    if engine is not None and state in _MISSING_OBJECT:
        try:
            require_current(engine)
        except SchemaNotReady as not_ready:
            return str(not_ready)
        except DBAPIError:
            pass
    words = str(exc.orig).strip().splitlines() if exc.orig is not None else []
    return words[0] if words else type(exc).__name__


def refresh_grants(engine: Engine) -> bool:
    """Grant the roles again where `db grant` created them, so that objects a migration has just
    created or replaced (0007 replaced the claims list) are theirs to use as before. False:
    no role to grant (`db grant` was never run). Run as an owner, like `db grant`."""
    with engine.connect() as conn:
        roles = sql.run(conn, "grants/count_orphans_roles").scalar_one()
    if roles < len(ROLES):
        return False
    with engine.begin() as conn:
        run_files(conn, GRANT_FILES[1:])
    return True


def apply_grants(engine: Engine) -> None:
    """Create the two roles where absent and grant them their privileges (run as an owner)."""
    with engine.begin() as conn:
        run_files(conn, GRANT_FILES)
