"""Step 3: repair. Judge each related event against the current state, plan one lead link per
usable lead row, and (execute only) create those links."""

from sqlalchemy import Connection

from orphans_pipeline.core import sql


def judge_lead_events(conn: Connection, run_id: str) -> None:
    sql.run(conn, "pipeline/judge_lead_events", run_id=run_id)


def plan_lead_links(conn: Connection, run_id: str) -> int:
    return int(sql.run(conn, "pipeline/plan_lead_links", run_id=run_id).scalar_one())


def insert_lead_links(conn: Connection, run_id: str) -> tuple[int, int]:
    """Create the planned links; return (created, lost to a concurrent writer)."""
    created = int(sql.run(conn, "pipeline/insert_lead_links", run_id=run_id).scalar_one())
    lost = int(sql.run(conn, "pipeline/mark_lost_lead_links", run_id=run_id).scalar_one())
    return created, lost
