"""Least privilege: the whole pipeline runs as a login role holding only orphans_pipeline,
reviews and the API as one holding only orphans_reviewer; each is refused what it must not do.
And no SQL in the code is built by formatting values into a string."""

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from orphans_pipeline.api.app import PREFIX, create_app
from orphans_pipeline.api.settings import ApiSettings
from orphans_pipeline.core import fix, integrity, review, schema, views
from orphans_pipeline_tests.conftest import url_of
from orphans_pipeline_tests.pipeline_helpers import run_fix
from orphans_pipeline_tests.roles import refused

REPO = Path(__file__).resolve().parents[1]


def test_the_whole_pipeline_runs_as_orphans_pipeline(granted: dict[str, Engine]) -> None:
    pipeline = granted["orphans_pipeline"]
    dry = run_fix(pipeline, fix.FixOptions(execute=False, lock_wait_seconds=5))
    result = run_fix(pipeline, fix.FixOptions(execute=True, lock_wait_seconds=5))
    assert result.stats == dry.stats and result.stats["links_created"] > 0
    counts = views.refresh_ops_views(pipeline)
    assert counts["operational_drivers"] > 0 and counts["claims_for_collection"] > 0
    assert integrity.count_operational_orphans(pipeline).passed
    assert integrity.count_ops_view_leaks(pipeline).passed
    assert integrity.count_quarantine_audit_gaps(pipeline).passed
    with pipeline.connect() as conn:
        assert conn.execute(text("select current_user")).scalar_one().startswith("orphans_t_")


def test_orphans_pipeline_is_refused_ddl_and_rewrites(granted: dict[str, Engine]) -> None:
    pipeline = granted["orphans_pipeline"]
    for statement in (
        "create table canon.intruder (id int)",
        "create or replace view ops.v_operational_drivers as select 1 as driver_id",
        "delete from canon.identity_links",
        "update canon.identity_links set person_key = null",
        "delete from canon.driver_orphan_quarantine",
        "update canon.driver_orphan_quarantine_history set actor = 'me'",
        "insert into public.drivers (driver_id) values ('x')",
        "truncate observational.lead_events",
    ):
        assert refused(pipeline, statement), statement


def test_reviews_and_the_api_run_as_orphans_reviewer(granted: dict[str, Engine]) -> None:
    run_fix(granted["orphans_pipeline"], fix.FixOptions(execute=True, lock_wait_seconds=5))
    reviewer = granted["orphans_reviewer"]
    with reviewer.connect() as conn:
        drivers = list(
            conn.execute(
                text(
                    "select driver_id from canon.driver_orphan_quarantine "
                    "where status = 'quarantined' order by driver_id limit 3"
                )
            ).scalars()
        )

    def act(action: str, driver: str) -> str:
        done = review.review(
            reviewer, action, driver_id=driver, reviewer="ana", notes="n", execute=True
        )
        return done.to_status

    assert act("purge", drivers[0]) == "purged"
    assert act("undo", drivers[0]) == "quarantined"
    assert act("create-lead", drivers[1]) == "resolved_created_lead"
    assert act("undo", drivers[1]) == "quarantined"
    settings = ApiSettings(api_token="t")
    with TestClient(create_app(settings, engine=lambda: reviewer)) as api:
        assert api.get(f"{PREFIX}/metrics").json()["quarantined"] >= 3
        assert len(api.get(PREFIX, params={"status": "quarantined"}).json()["orphans"]) >= 3
        purged = api.post(
            f"{PREFIX}/{drivers[2]}/purge",
            json={"reviewer": "ana", "execute": True},
            headers={"Authorization": "Bearer t"},
        )
        assert purged.status_code == 200 and purged.json()["to_status"] == "purged"
        assert api.get(f"{PREFIX}/{drivers[2]}/history").status_code == 200
        # The review page's own reads: the searched queue, a row, a driver's detail view.
        assert drivers[2] in api.get("/orphans", params={"q": drivers[2], "status": ""}).text
        assert api.get(f"/orphans/{drivers[2]}/row").status_code == 200
        assert 'data-testid="history"' in api.get(f"/orphans/{drivers[2]}").text
    # A reviewer cannot run the pipeline, rewrite history or change the schema.
    with pytest.raises(ProgrammingError, match="permission denied"):
        run_fix(reviewer, fix.FixOptions(execute=True, lock_wait_seconds=5))
    for statement in (
        "update canon.driver_orphan_quarantine_history set actor = 'me'",
        "delete from canon.driver_orphan_quarantine",
        "create table canon.intruder (id int)",
        "update public.drivers set phone = null",
    ):
        assert refused(reviewer, statement), statement


# Values reach SQL only as bound parameters: no f-string or % / .format() inside a call that
# executes SQL, anywhere in the package.
EXECUTING = re.compile(
    r"\b(text|execute|exec_driver_sql|mogrify|copy)\(\s*(f[\"']|[\"'][^\"']*[\"']\s*(%|\.format))"
)


def test_no_sql_is_built_by_string_formatting() -> None:
    offenders = []
    for path in sorted((REPO / "orphans_pipeline").rglob("*.py")):
        source = path.read_text()
        offenders += [
            f"{path.relative_to(REPO)}: {match.group(0)}" for match in EXECUTING.finditer(source)
        ]
    assert offenders == []
    # And the sql/ files bind values with :name, never with Python placeholders to fill in.
    placeholder = re.compile(r"\{[a-z_]+\}|%\(\w+\)s|(?<!%)%s\b")
    for path in sorted((REPO / "sql").rglob("*.sql")):
        body = path.read_text()
        found = [m.group(0) for m in placeholder.finditer(body)]
        # format('... %s ...', <catalog name>) in plpgsql quotes names read from the catalog.
        catalog_names = path.parent.name in ("grants", "uninstall") or "migrations" in path.parts
        assert found == [] or catalog_names, (path, found)


@pytest.mark.parametrize("group", ["orphans_pipeline", "orphans_reviewer"])
def test_the_database_keeps_the_audit_trail_against_each_role(
    granted: dict[str, Engine], group: str
) -> None:
    """No role writes the quarantine or its history itself (revision 0013): every change goes
    through the project's functions, whose triggers write the history; forged rows are refused
    in every form."""
    run_fix(granted["orphans_pipeline"], fix.FixOptions(execute=True, lock_wait_seconds=5))
    role = granted[group]
    with role.connect() as conn:
        driver = conn.execute(
            text(
                "select driver_id from canon.driver_orphan_quarantine "
                "where status = 'quarantined' order by driver_id limit 1"
            )
        ).scalar_one()
    count_history = text(
        "select count(*) from canon.driver_orphan_quarantine_history where driver_id = :d"
    )
    with role.connect() as conn:
        before = conn.execute(count_history, {"d": driver}).scalar_one()
    for statement in (
        "update canon.driver_orphan_quarantine set status = 'purged' where driver_id = :d",
        "update canon.driver_orphan_quarantine set evidence_json = '{}'",
        "insert into canon.driver_orphan_quarantine (driver_id, detected_reason) "
        "values ('forged', 'manual_detection')",
        "delete from canon.driver_orphan_quarantine",
        "insert into canon.driver_orphan_quarantine_history (driver_id, to_status, actor) "
        "values ('forged', 'purged', 'pipeline')",
        "update canon.driver_orphan_quarantine_history set actor = 'me'",
        "delete from canon.driver_orphan_quarantine_history",
        "truncate canon.driver_orphan_quarantine_history",
        "select nextval(pg_get_serial_sequence('canon.driver_orphan_quarantine_history', 'id'))",
        "alter table canon.driver_orphan_quarantine disable trigger user",
        "drop trigger driver_orphan_quarantine_update_history on canon.driver_orphan_quarantine",
        "select orphans.move_quarantine_row(:d, 'purged', 'forged')",
        "select orphans.decide('purge', :d, 'eve', 'n', null, null)",
    ):
        assert refused(role, statement, d=driver), statement
    with role.connect() as conn:
        assert conn.execute(count_history, {"d": driver}).scalar_one() == before


def test_db_upgrade_grants_the_roles_again(
    granted: dict[str, Engine], fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A migration that replaces an object (0007 replaced the claims list) leaves it without the
    roles' grants: `db upgrade` grants them again where `db grant` created the roles."""
    from orphans_pipeline import cli

    privilege = text(
        "select has_table_privilege("
        "'orphans_pipeline', 'orphans.mv_cabinet_claims_computed', 'select')"
    )
    with fresh_engine.begin() as conn:
        conn.execute(
            text("revoke select on orphans.mv_cabinet_claims_computed from orphans_pipeline")
        )
        assert conn.execute(privilege).scalar_one() is False
    monkeypatch.setenv("DATABASE_URL", url_of(fresh_engine))
    assert cli.main(["db", "upgrade"]) == 0
    with fresh_engine.connect() as conn:
        assert conn.execute(privilege).scalar_one() is True


def test_the_lead_links_view_is_read_only_for_both_roles(granted: dict[str, Engine]) -> None:
    """orphans.lead_links (revision 0010) is a simple view, hence updatable, and runs with its
    owner's rights: both roles read it (runs, the queue, the guard on a restored driver link),
    neither may write canon.identity_links through it."""
    for engine in granted.values():
        with engine.connect() as conn:
            assert conn.execute(text("select count(*) from orphans.lead_links")).scalar_one() > 0
        assert refused(engine, "delete from orphans.lead_links")
        assert refused(engine, "update orphans.lead_links set match_rule = 'FORGED'")
        assert refused(
            engine,
            "insert into orphans.lead_links (person_key, source_table, source_pk) "
            "values (gen_random_uuid(), 'module_ct_migrations', 'forged')",
        )


def test_db_upgrade_grants_the_lead_links_view(
    granted: dict[str, Engine], fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database whose roles were granted before revision 0010 gets the new view's grant from
    `db upgrade` (here: the grant taken back, as it was before 0010 created the view)."""
    from orphans_pipeline import cli

    privilege = text(
        "select has_table_privilege('orphans_reviewer', 'orphans.lead_links', 'select')"
    )
    with fresh_engine.begin() as conn:
        conn.execute(text("revoke select on orphans.lead_links from orphans_reviewer"))
        assert conn.execute(privilege).scalar_one() is False
    monkeypatch.setenv("DATABASE_URL", url_of(fresh_engine))
    assert cli.main(["db", "upgrade"]) == 0
    with fresh_engine.connect() as conn:
        assert conn.execute(privilege).scalar_one() is True


# Every privilege the two roles hold directly, anywhere in the database, as
# (role, privilege, object); names fully qualified (an empty search path).
HELD = text(
    """
    with roles as (
        select oid, rolname from pg_roles
        where rolname in ('orphans_pipeline', 'orphans_reviewer')
    )
    select roles.rolname, 'usage', 'schema ' || namespace.nspname
    from pg_namespace as namespace
    cross join lateral aclexplode(namespace.nspacl) as acl
    inner join roles on roles.oid = acl.grantee
    union all
    select roles.rolname, lower(acl.privilege_type), relation.oid::regclass::text
    from pg_class as relation
    cross join lateral aclexplode(relation.relacl) as acl
    inner join roles on roles.oid = acl.grantee
    union all
    select
        roles.rolname,
        lower(acl.privilege_type),
        replace(procedure.oid::regprocedure::text, ' ', '')
    from pg_proc as procedure
    cross join lateral aclexplode(procedure.proacl) as acl
    inner join roles on roles.oid = acl.grantee
    """
)


def documented_privileges(ct4_views: set[str]) -> set[tuple[str, str, str]]:
    """The list in README "Least privilege, one door": per role, privilege and objects; an
    object marked `*` only where it is not one of CT4's own views."""
    readme = (REPO / "README.md").read_text()
    block = readme.split("<!-- privileges:", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    documented: set[tuple[str, str, str]] = set()
    role = privilege = ""
    for line in block.splitlines():
        if not line.strip():
            continue
        if not line.startswith("    "):
            role = line.strip()
            continue
        words = line.strip()
        if not line.startswith("      "):
            privilege, _, words = words.partition(" ")
        for item in re.split(r",\s*(?![^()]*\))", words.strip()):
            name = item.strip().rstrip(",")
            if not name:
                continue
            if name.endswith("*"):
                name = name[:-1]
                if name in ct4_views:
                    continue
            documented.add((role, privilege, name))
    return documented


def test_the_roles_hold_exactly_the_privileges_the_readme_lists(
    flavored_engine: Engine, flavor: str
) -> None:
    """On the subset and on real CT4 (with and without its views): after `db grant`, every
    privilege either role holds is in README's list, and every one listed is held."""
    schema.apply_grants(flavored_engine)
    with flavored_engine.begin() as conn:
        conn.execute(text("set local search_path = ''"))
        held = {(role, privilege, name) for role, privilege, name in conn.execute(HELD).all()}
        ct4_views = set(conn.execute(text("select view_name from orphans.ct4_views")).scalars())
    assert held == documented_privileges(ct4_views)
    assert (flavor == "real") == ("ops.v_driver_orphans" in ct4_views)
