"""The bad input catalogue: odd payloads, odd driver ids, events that point nowhere, missing
registry data, and bad commands and settings. Each gets a clear outcome; an error exits
non-zero with a message and writes nothing."""

import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from orphans_pipeline import cli
from orphans_pipeline.core import fix, schema
from orphans_pipeline_tests.conftest import url_of
from orphans_pipeline_tests.ct4 import CT4, snapshot
from orphans_pipeline_tests.pipeline_helpers import report_row, run_fix

SCOUTING, MIGRATIONS, CABINET = (
    "module_ct_scouting_daily",
    "module_ct_migrations",
    "module_ct_cabinet_leads",
)
TABLES = (*schema.CT4_TABLES, *schema.OWNED_TABLES)

pytestmark = pytest.mark.usefixtures("reports_root")


def nested(depth: int) -> Any:
    value: Any = {"driver_id": "NOT-THIS-ONE"}
    for _ in range(depth):
        value = {"driver": value}
    return value


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("null", None),
        ("array", [{"driver_id": "D1"}, "D1"]),
        ("string", "D1"),
        ("number", 12345),
        ("deeply nested", nested(500)),
        ("one megabyte", {"notes": "x" * 1_000_000, "driver_phone": "N/A"}),
        ("driver_id an object", {"driver_id": {"id": "D1"}}),
        ("driver object a list", {"driver": ["D1"]}),
    ],
)
def test_odd_payloads_are_weak_evidence_at_most(
    fresh_engine: Engine, name: str, payload: Any
) -> None:
    """None of these names D1 by a key of domain.md: the event relates only by person_key."""
    data = CT4(fresh_engine)
    person = data.driver("D1")
    data.event(SCOUTING, data.lead(SCOUTING), payload, person=person)
    result = run_fix(fresh_engine)
    row = report_row(result, "D1")
    assert (row["status"], row["detected_reason"], row["evidence_level"]) == (
        "quarantined",
        "no_lead_has_events_repair_failed",
        "L3",
    ), name
    assert result.stats["errors"] == 0


def test_a_one_megabyte_payload_that_names_the_driver_relinks(fresh_engine: Engine) -> None:
    data = CT4(fresh_engine)
    data.driver("D1")
    data.event(MIGRATIONS, data.lead(MIGRATIONS), {"driver_id": "D1", "blob": "y" * 1_000_000})
    assert report_row(run_fix(fresh_engine), "D1")["status"] == "resolved_relinked"


@pytest.mark.parametrize(
    "driver_id",
    [
        "D 1 with spaces",
        "  D-PADDED  ",
        "Dñü-ß-東京",
        "O'Brien\"s",
        "x'); drop table canon.identity_links; --",
        "1 or 1=1",
    ],
)
def test_odd_driver_ids_are_plain_data(fresh_engine: Engine, driver_id: str) -> None:
    data = CT4(fresh_engine)
    data.driver(driver_id)
    data.driver("PLAIN-ORPHAN")
    # L1 compares trimmed text on both sides.
    data.event(SCOUTING, data.lead(SCOUTING), {"driverId": f" {driver_id.strip()} "})
    result = run_fix(fresh_engine)
    assert report_row(result, driver_id)["status"] == "resolved_relinked"
    assert report_row(result, "PLAIN-ORPHAN")["status"] == "quarantined"
    with fresh_engine.connect() as conn:
        assert conn.execute(text("select count(*) from canon.identity_links")).scalar_one() == 3


def test_events_pointing_at_missing_rows_and_other_tables(fresh_engine: Engine) -> None:
    data = CT4(fresh_engine)
    data.driver("D1")
    data.event(SCOUTING, "999999", {"driver_id": "D1"})  # no such lead row
    data.event(CABINET, "no-such-external-id", {"driver_id": "D1"})
    data.event("drivers", "D1", {"driver_id": "D1"})  # not a lead table: ignored
    data.event("module_ct_unknown", "1", {"driver_id": "D1"})
    result = run_fix(fresh_engine)
    row = report_row(result, "D1")
    assert (row["status"], row["detected_reason"], row["lead_events_count"]) == (
        "quarantined",
        "no_lead_has_events_repair_failed",
        "2",
    )
    assert result.stats["links_created"] == 0


def test_duplicate_events_make_one_outcome(fresh_engine: Engine) -> None:
    """Two events of two lead rows naming the same driver: two links, one row, one history."""
    data = CT4(fresh_engine)
    person = data.driver("D1")
    for _ in range(2):
        data.event(MIGRATIONS, data.lead(MIGRATIONS), {"driver_id": "D1"})
    result = run_fix(fresh_engine)
    assert result.stats["links_created"] == 2 and result.stats["resolved_relinked"] == 1
    assert len(data.lead_links(person)) == 2 and len(data.history("D1")) == 1


def test_registry_without_phone_license_or_name(fresh_engine: Engine) -> None:
    data = CT4(fresh_engine)
    data.driver("D1", data.person(phone=None, license=None, name=None))
    run_fix(fresh_engine)
    row = data.quarantine_row("D1")
    assert row is not None and row["status"] == "quarantined"
    assert row["evidence_json"]["registry"] == {
        "primary_phone": None,
        "primary_license": None,
        "primary_full_name": None,
    }


# --- commands and settings ----------------------------------------------------------------------


@pytest.fixture
def with_data(fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    CT4(fresh_engine).driver("D1")
    monkeypatch.setenv("DATABASE_URL", url_of(fresh_engine))
    return fresh_engine


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"limit": 0}, "limit must be a whole number of at least 1"),
        ({"limit": -5}, "limit must be a whole number of at least 1"),
        ({"output_dir": "/etc"}, "outside the reports root"),
        ({"output_dir": "../outside"}, "outside the reports root"),
    ],
)
def test_bad_options_are_refused_before_anything(
    with_data: Engine, options: dict[str, Any], message: str
) -> None:
    before = snapshot(with_data, TABLES)
    with pytest.raises(fix.InvalidRequest, match=message):
        run_fix(with_data, fix.FixOptions(execute=True, **options))
    assert snapshot(with_data, TABLES) == before


def test_an_output_dir_that_cannot_be_written_is_refused(
    with_data: Engine, reports_root: Path
) -> None:
    blocker = reports_root / "a-file"
    blocker.write_text("not a directory")
    before = snapshot(with_data, TABLES)
    with pytest.raises(fix.InvalidRequest, match="a-file"):
        run_fix(with_data, fix.FixOptions(execute=True, output_dir=str(blocker / "sub")))
    assert snapshot(with_data, TABLES) == before


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://nobody@localhost/x", "not a PostgreSQL URL"),
        ("postgresql://nobody@127.0.0.1:1/ct4", "database:"),
        ("not a url at all", "not a PostgreSQL URL"),
    ],
)
def test_a_wrong_database_url_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, message: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    assert cli.main(["history", "D1"]) == 1
    assert message in capsys.readouterr().err


def test_a_database_without_the_schema_says_how_to_fix_it(
    module_databases: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = module_databases.create_empty()
    monkeypatch.setenv("DATABASE_URL", url_of(empty))
    with pytest.raises(schema.SchemaNotReady, match="orphans-pipeline db upgrade"):
        run_fix(empty, fix.FixOptions(execute=True))
    assert cli.main(["history", "D1"]) == 1
    assert "db upgrade" in capsys.readouterr().err
    # No CT4 to install into: one line that says what to point at, not a traceback.
    assert cli.main(["db", "upgrade"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("error: the CT4 tables canon.identity_registry") and "create-ct4" in line
    with empty.connect() as conn:
        assert (
            conn.execute(
                text("select count(*) from pg_namespace where nspname = 'orphans'")
            ).scalar_one()
            == 0
        )


def test_bad_review_input_writes_nothing(fresh_engine: Engine) -> None:
    from orphans_pipeline.core import review

    data = CT4(fresh_engine)
    data.quarantine("Q1", data.driver("Q1"))
    before = snapshot(fresh_engine, TABLES)
    for kwargs, message in (
        ({"driver_id": "Q1", "reviewer": ""}, "reviewer name is empty"),
        ({"driver_id": "Q1", "reviewer": "ana", "notes": "x" * 2001}, "longer than"),
        ({"driver_id": "Q1\x00", "reviewer": "ana"}, "NUL"),
        ({"driver_id": "nobody", "reviewer": "ana"}, "not in the quarantine table"),
    ):
        with pytest.raises(review.ReviewRefused, match=message):
            review.review(fresh_engine, "purge", execute=True, **{"notes": "", **kwargs})
    assert snapshot(fresh_engine, TABLES) == before


# --- fix: a limit beyond a PostgreSQL int; the operator's --output-dir ----------------------------


def test_a_limit_beyond_a_postgresql_int_is_refused_up_front(
    with_data: Engine, dagster_home: Path, reports_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fastapi.testclient import TestClient

    from orphans_pipeline.api.app import PREFIX, create_app
    from orphans_pipeline.api.settings import ApiSettings

    before = snapshot(with_data, TABLES)
    for limit in ("2147483648", str(2**70)):
        with pytest.raises(SystemExit) as exited:
            cli.main(["fix", "--execute", "--limit", limit])
        assert exited.value.code == 2
        assert "at most 2147483647" in capsys.readouterr().err
    with pytest.raises(fix.InvalidRequest, match="at most 2147483647"):
        fix.FixOptions(limit=2**31).validated_output_dir()
    settings = ApiSettings(api_token="t", enable_fix=True)
    with TestClient(create_app(settings, engine=lambda: with_data)) as api:
        for limit_value in (2**31, 2**70):
            answer = api.post(
                f"{PREFIX}/run-fix",
                json={"execute": True, "limit": limit_value},
                headers={"Authorization": "Bearer t"},
            )
            assert answer.status_code == 422, answer.text
    assert snapshot(with_data, TABLES) == before
    with with_data.connect() as conn:
        assert conn.execute(text("select count(*) from orphans.runs")).scalar_one() == 0


def test_the_cli_writes_the_reports_where_it_is_told(
    with_data: Engine,
    dagster_home: Path,
    reports_root: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    # Relative to the working directory (not the reports root), created as needed.
    assert cli.main(["fix", "--output-dir", "./reports/weekly"]) == 0
    out = capsys.readouterr().out
    # A dry run is a run of the dry-run job, and the summary says so (the UI lists it there).
    assert "orphans_dry_run_job run " in out and "orphans_fix_job run " not in out
    written = sorted(path.suffix for path in (work / "reports" / "weekly").iterdir())
    assert written == [".csv", ".json"]
    # Every directory it created is the owner's and the group's only, like the reports.
    for created in (work / "reports", work / "reports" / "weekly"):
        assert stat.S_IMODE(created.stat().st_mode) == 0o750, created
    assert f"report (csv):  {work / 'reports' / 'weekly'}" in out
    assert not list(reports_root.iterdir())
    # Refused only when it cannot be written: a file stands in the way.
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert cli.main(["fix", "--output-dir", str(blocker / "sub")]) == 2
    assert "a-file" in capsys.readouterr().err
    with with_data.connect() as conn:
        assert conn.execute(text("select count(*) from orphans.runs")).scalar_one() == 1


# --- hardening (issue 14) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("forged line", "ana\n    #999 2026-01-01 00:00:00 quarantined -> purged by pipeline"),
        ("escape sequence", "ana\x1b[2J\x1b[1;1H"),
        ("carriage return", "ana\rpipeline"),
        ("tab", "ana\tb"),
        ("bidirectional override", "ana\u202eenilepip"),
        ("line separator", "ana\u2028pipeline"),
    ],
)
def test_control_characters_in_reviewer_and_notes_are_refused(
    fresh_engine: Engine, name: str, value: str
) -> None:
    from orphans_pipeline.core import review

    data = CT4(fresh_engine)
    data.quarantine("Q1", data.driver("Q1"))
    before = snapshot(fresh_engine, TABLES)
    for kwargs in ({"reviewer": value, "notes": ""}, {"reviewer": "ana", "notes": value}):
        with pytest.raises(review.ReviewRefused, match="control character"):
            review.review(fresh_engine, "purge", driver_id="Q1", execute=True, **kwargs)
    with pytest.raises(review.ReviewRefused, match="control character"):
        review.bulk_review(fresh_engine, [], reviewer=value, execute=True)
    assert snapshot(fresh_engine, TABLES) == before, name


@pytest.mark.parametrize("name", ["pipeline", "Pipeline", " PIPELINE ", "orphans_pipeline"])
def test_reserved_actor_names_are_refused(
    fresh_engine: Engine, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    from orphans_pipeline.core import review

    data = CT4(fresh_engine)
    data.quarantine("Q1", data.driver("Q1"))
    before = snapshot(fresh_engine, TABLES)
    with pytest.raises(review.ReviewRefused, match="reserved for the pipeline"):
        review.review(fresh_engine, "purge", driver_id="Q1", reviewer=name, notes="", execute=True)
    assert snapshot(fresh_engine, TABLES) == before


@pytest.fixture(scope="module")
def one_quarantined(engine: Engine) -> Engine:
    """A database with driver Q1 in the quarantine, shared: the names below write nothing."""
    data = CT4(engine)
    data.quarantine("Q1", data.driver("Q1"))
    return engine


LOOK_ALIKES = [
    "p\u0456peline",  # Cyrillic i
    "\u0440ipeline",  # Cyrillic er
    "\u03a1\u0399\u03a1\u0395L\u0399\u039d\u0395",  # Greek capitals
    "PIPELI\u039dE",  # Greek capital nu
    "\uff50\uff49\uff50\uff45\uff4c\uff49\uff4e\uff45",  # full-width
    "\U0001d429\U0001d422\U0001d429\U0001d41e\U0001d425\U0001d422\U0001d427\U0001d41e",
    "p1pel1ne",  # digit one for i
    "PlPELlNE",  # l for I
    "0rphans_pipeline",  # zero for o
    "Orphans-Pipeline",
    "orphans pipeline",
    "\u0455\u0443\u0455t\u0435m",  # Cyrillic dze, u, ie
    "systern",  # rn for m
    "p\u00edpeline",  # an accent
]


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_names_that_read_as_a_reserved_name_are_refused(one_quarantined: Engine, name: str) -> None:
    from orphans_pipeline.core import review

    before = snapshot(one_quarantined, TABLES)
    with pytest.raises(review.ReviewRefused, match="reserved for the pipeline"):
        review.review(
            one_quarantined, "purge", driver_id="Q1", reviewer=name, notes="", execute=True
        )
    assert snapshot(one_quarantined, TABLES) == before


@pytest.mark.parametrize(
    "name",
    [
        "pipeline\u3164",  # Hangul filler
        "\u115fana",  # Hangul choseong filler
        "ana\uffa0",  # half-width Hangul filler
        "ana\u200b",  # zero width space
        "an\u2063a",  # invisible separator
        "ana\ufeff",  # byte order mark
        "ana\ufe0f",  # variation selector
        "ana\U000e0041",  # tag letter
        "ana\u034f",  # combining grapheme joiner
        "ana\u00a0luisa",  # no-break space
        "ana\u3000luisa",  # ideographic space
        "\u2800",  # Braille blank
        "ana\u00ad",  # soft hyphen
    ],
)
def test_invisible_characters_in_a_reviewer_name_are_refused(
    one_quarantined: Engine, name: str
) -> None:
    from orphans_pipeline.core import review

    before = snapshot(one_quarantined, TABLES)
    with pytest.raises(review.ReviewRefused, match=r"invisible or blank|control character"):
        review.review(
            one_quarantined, "purge", driver_id="Q1", reviewer=name, notes="", execute=True
        )
    assert snapshot(one_quarantined, TABLES) == before


@pytest.mark.parametrize("name", ["Jos\u00e9 Mar\u00eda", "\u674e\u660e", "Ana-Luisa O'Brien"])
def test_real_names_in_any_script_are_accepted(one_quarantined: Engine, name: str) -> None:
    from orphans_pipeline.core import review

    outcome = review.review(one_quarantined, "purge", driver_id="Q1", reviewer=name, notes="")
    assert outcome.reviewer == name and outcome.to_status == "purged"


def test_history_output_escapes_what_the_database_holds(
    fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rows written before the input checks (or by hand) still print on one line each."""
    data = CT4(fresh_engine)
    hostile = "Eve\n    #999 2026-01-01 00:00:00+0000 quarantined -> purged by pipeline\x1b[31m"
    data.quarantine("Q1", data.driver("Q1", data.person(name=hostile)))
    # Since revision 0013 the database refuses such an actor; an owner can still write a
    # history row by hand (history is append-only, not closed to its owner).
    with fresh_engine.begin() as conn:
        conn.execute(
            text(
                "insert into canon.driver_orphan_quarantine_history (driver_id, from_status, "
                "to_status, actor, notes) values ('Q1', 'quarantined', 'purged', :a, :n)"
            ),
            {"a": hostile, "n": hostile},
        )
    monkeypatch.setenv("DATABASE_URL", url_of(fresh_engine))
    assert cli.main(["history", "Q1"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "#999" in out
    assert not any(line.lstrip().startswith("#999") for line in out.splitlines())
    assert "\\n" in out and "\\x1b" in out


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("postgresql://orphans:p@ss@127.0.0.1:5432/ct4", "more than one @"),
        ("postgresql://orphans:pa/ss@127.0.0.1:5432/ct4", "an @ after the host"),
        ("postgresql://orphans:pa?ss@127.0.0.1/ct4", "an @ after the host"),
        ("postgresql://orphans:100%@127.0.0.1/ct4", "a % that is not followed"),
        ("postgresql://orphans:p:ss@127.0.0.1:54x2/ct4", "port that is not a number"),
    ],
)
def test_an_unencoded_password_says_to_percent_encode_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, problem: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    for command in (
        ["history", "D1"],
        ["db", "url"],
        ["review", "purge", "--driver-id", "D1", "--by", "a"],
    ):
        assert cli.main(command) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and problem in err and "percent-encode" in err, err
        assert "ss@" not in err and "100%@" not in err  # the password is never shown


def test_an_unwritable_orphans_home_is_a_one_line_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("ORPHANS_HOME", str(blocker / "home"))
    for command in (["history", "D1"], ["db", "url"], ["db", "stop"]):
        assert cli.main(command) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "ORPHANS_HOME" in err and "writ" in err, err


def test_a_refused_demo_data_writes_nothing(
    module_databases: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CT4 database with real persons and no project schema yet: demo-data creates nothing."""
    real = module_databases.create_empty()
    schema.create_ct4(real)
    CT4(real).person(name="A real person")
    catalog = text(
        "select (select count(*) from pg_namespace), (select count(*) from pg_class), "
        "(select count(*) from pg_trigger), (select count(*) from pg_proc), "
        "(select count(*) from pg_type)"
    )
    with real.connect() as conn:
        before = conn.execute(catalog).one()
    monkeypatch.setenv("DATABASE_URL", url_of(real))
    assert cli.main(["demo-data", "--drivers", "100"]) == 1
    assert "not demo data" in capsys.readouterr().err
    assert cli.main(["demo-data", "--drivers", "100", "--replace"]) == 1
    with real.connect() as conn:
        assert conn.execute(catalog).one() == before
