"""The normalisation functions and helpers of domain.md, as SQL, against tables of cases."""

import pytest
from sqlalchemy import Engine, func, select


def value(engine: Engine, expression) -> object:
    with engine.connect() as conn:
        return conn.execute(select(expression)).scalar_one()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("987654321", "987654321"),
        ("+51 987 654 321", "987654321"),
        ("0051-987-654-321", "987654321"),
        ("(01) 987.654.321", "987654321"),
        ("051987654321", "987654321"),
        ("98765432", None),
        ("", None),
        ("N/A", None),
        ("-", None),
        (None, None),
        ("tel: ninguno", None),
    ],
)
def test_normalize_phone(engine: Engine, raw: str | None, expected: str | None) -> None:
    assert value(engine, func.orphans.normalize_phone(raw)) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Q12345678", "Q12345678"),
        ("q-1234 5678", "Q12345678"),
        (" abc.12-3 ", "ABC123"),
        ("ABCD", None),
        ("AB-12", None),
        ("", None),
        ("N/A", None),
        ("-", None),
        (None, None),
        ("ñandú 12", "AND12"),
    ],
)
def test_normalize_license(engine: Engine, raw: str | None, expected: str | None) -> None:
    assert value(engine, func.orphans.normalize_license(raw)) == expected


@pytest.mark.parametrize(
    ("normalized", "number", "expected"),
    [
        ("Q1234567", "ZZZ99999", "Q1234567"),
        ("N/A", "zzz-99999", "ZZZ99999"),
        (None, "abc12", "ABC12"),
        ("", "-", None),
    ],
)
def test_driver_license_key(engine: Engine, normalized, number, expected) -> None:
    assert value(engine, func.orphans.driver_license_key(normalized, number)) == expected


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"driver_id": " D1 "}, ["D1"]),
        ({"driverId": 42}, ["42"]),
        ({"driver": {"driver_id": "D2", "id": "D3"}}, ["D2", "D3"]),
        ({"driver": "D4"}, []),
        ({"driver_id": ""}, []),
        ([1, 2], []),
        ("D1", []),
        (7, []),
    ],
)
def test_payload_driver_ids(engine: Engine, payload, expected) -> None:
    from sqlalchemy import cast
    from sqlalchemy.dialects.postgresql import JSONB

    assert value(engine, func.orphans.payload_driver_ids(cast(payload, JSONB))) == expected


@pytest.mark.parametrize(
    ("source_pk", "expected"),
    [("12", 12), ("0", 0), ("007", None), ("12a", None), ("", None), ("9" * 30, None)],
)
def test_source_pk_id(engine: Engine, source_pk: str, expected: int | None) -> None:
    assert value(engine, func.orphans.source_pk_id(source_pk)) == expected


@pytest.mark.parametrize(
    ("date_file", "expected"),
    [
        ("05-03-2026", "2026-03-05"),
        ("29-02-2028", "2028-02-29"),
        ("29-02-2026", None),
        ("31-04-2026", None),
        ("00-01-2026", None),
        ("01-01-0000", None),
        ("2026-03-05", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date_file(engine: Engine, date_file: str, expected: str | None) -> None:
    parsed = value(engine, func.orphans.parse_date_file(date_file))
    assert (parsed.isoformat() if parsed else None) == expected
