"""What CT4 already has, read before a revision creates anything of its own.

A real CT4 database (`../shared/spec/ct4/ct4_real_schema.sql`) holds objects of the same names
as some of the project's, and other column types than the project's first model of it: its own
views (`ops.v_driver_orphans`, `ops.v_payment_calculation`, `ops.v_cabinet_funnel_status`, ...),
the indexes of its migration 014 on the quarantine, `timestamp` lead dates. The revisions ask
here whether a file of theirs may run: CT4's objects are adopted or kept, never replaced.
"""

from sqlalchemy import Connection

from orphans_pipeline.core import sql


def legacy_views_apply(conn: Connection) -> bool:
    """Whether revision 0003 may create its views as it did when it landed (date lead columns,
    none of its names taken); elsewhere revision 0012 creates them."""
    return bool(sql.run(conn, "schema/select_legacy_views_apply").scalar_one())


def legacy_views_created(conn: Connection) -> bool:
    """Whether revision 0003 created its views here (so 0007 and 0010 replace them)."""
    return bool(sql.run(conn, "schema/select_legacy_views_created").scalar_one())


def equivalent_index(conn: Connection, table: str, columns: list[str], ours: str) -> str | None:
    """The name of CT4's btree index on exactly `columns` of `table`, if it has one: the
    project then uses it rather than adding `ours` beside it."""
    found = sql.run(
        conn,
        "schema/select_equivalent_index",
        table_name=table,
        columns=columns,
        index_name=ours,
    ).scalar()
    return str(found) if found is not None else None


def is_ct4_view(conn: Connection, qualified_name: str) -> bool:
    """Whether CT4 had this view before the project (revision 0012 recorded it): kept as is."""
    return bool(sql.run(conn, "schema/select_ct4_view", view_name=qualified_name).scalar_one())
