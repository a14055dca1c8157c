"""Login roles holding only the project's least-privilege groups, for the tests of what each
may and may not do (the `granted` fixture of conftest: a demo database granted as `db grant`
grants, one engine per group)."""

import uuid

import psycopg
from psycopg import sql as psql
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

PASSWORD = "orphans-test"


def login_role(admin_url: str, group: str) -> str:
    """A login role that is a member of `group` only (cluster-wide, so made unique)."""
    name = f"orphans_t_{group.split('_')[1]}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            psql.SQL("create role {} login password {} in role {}").format(
                psql.Identifier(name), psql.Literal(PASSWORD), psql.Identifier(group)
            )
        )
    return name


def as_role(engine: Engine, role: str) -> Engine:
    return create_engine(engine.url.set(username=role, password=PASSWORD))


def refused(engine: Engine, statement: str, setup: str | None = None, **params: object) -> bool:
    """Whether the role may not run `statement` (PostgreSQL's permission denied), after `setup`
    in the same transaction."""
    with engine.connect() as conn:
        try:
            if setup:
                conn.execute(text(setup))
            conn.execute(text(statement), params)
        except DBAPIError as exc:
            return "permission denied" in str(exc) or "must be owner" in str(exc)
    return False
