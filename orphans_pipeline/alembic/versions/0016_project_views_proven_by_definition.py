"""The leak check proves the project's own views by their definition (issue 22: its cost).

- orphans.project_views records the md5 of each of the project's views, when the view as found
  is exactly the one the project's file creates (that file run again in a savepoint, printed,
  and rolled back: a view changed by hand is kept as it is, and recorded as changed).
- orphans.views_proven_by_definition() also names the project's views whose definition, and
  that of every view they read, is still the project's: each takes its drivers from
  ops.v_operational_drivers, which the check still reads. At 1,000,000 drivers reading the
  milestones, claims and eligible drivers cost 11-16 s each, in every execute.
- orphans.leak_check_cuts remembers CT4's views the check's time budget cut (CT4's funnel:
  more than ten minutes at 1,000,000 drivers, cut at 20 s in every execute); the next checks
  name them unverified without reading them, until their definition or that of a view they
  read changes, a larger budget is given, or 28 days have passed.

Revision ID: 0016
Revises: 0015
"""

from alembic import op
from sqlalchemy import Connection

from orphans_pipeline.core import sql
from orphans_pipeline.core.ct4_objects import is_ct4_view
from orphans_pipeline.core.schema import MigrationFailed, run_files

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# Each of the project's views in the schemas the leak check reads, and those they read, with
# the file of the earlier revision that last created it: run again only in a savepoint always
# rolled back, to print the definition it gives (those files are pinned: they never change).
RERUNS = {
    "ops.v_operational_drivers": "migrations/0012/create_operational_drivers_view",
    "orphans.lead_links": "migrations/0010/create_lead_links_view",
    "ops.v_driver_origin": "migrations/0012/create_driver_origin_view",
    "ops.v_driver_trips": "migrations/0012/create_driver_trips_view",
    "orphans.v_cabinet_funnel_status": "migrations/0012/create_project_funnel_status_view",
    "ops.v_cabinet_funnel_status": "migrations/0012/create_cabinet_funnel_status_view",
    "ops.v_cabinet_milestones": "migrations/0012/create_cabinet_milestones_view",
    "ops.v_payment_calculation": "migrations/0012/create_payment_calculation_view",
    "ops.v_cabinet_claims": "migrations/0012/create_cabinet_claims_view",
    "ops.mv_cabinet_claims_collection": "migrations/0012/create_cabinet_claims_collection_view",
    "ops.v_eligible_drivers": "migrations/0012/create_eligible_drivers_view",
}

SELECT_MD5 = "migrations/0016/select_view_definition_md5"
INSERT_VIEW = "migrations/0016/insert_project_view"
# What the recording of each view needs, and what reads the recorded views.
BEFORE_RECORDING = (
    "migrations/0016/create_project_views_table",
    "migrations/0016/create_view_dependencies_view",
    "migrations/0016/create_view_definition_md5_function",
)
AFTER_RECORDING = (
    "migrations/0016/create_views_proven_by_definition_function",
    "migrations/0016/create_view_closure_md5_function",
    "migrations/0016/create_leak_check_cuts_table",
    "migrations/0016/create_remembered_leak_check_cuts_function",
    "migrations/0016/create_record_leak_check_cuts_function",
    "migrations/0016/revoke_leak_check_cuts_functions_from_public",
)
# In run order (checksums.sha256 pins them so): SELECT_MD5 and INSERT_VIEW run per view.
FILES = (*BEFORE_RECORDING, SELECT_MD5, INSERT_VIEW, *AFTER_RECORDING)


def upgrade() -> None:
    conn = op.get_bind()
    run_files(conn, BEFORE_RECORDING)
    for view_name, created_by in RERUNS.items():
        if is_ct4_view(conn, view_name):
            continue  # CT4's own: read by the check, or proven by 0015's filter
        found = _definition_md5(conn, view_name)
        if found is None:
            continue
        sql.run(
            conn,
            INSERT_VIEW,
            view_name=view_name,
            definition_md5=found if found == _created_md5(conn, created_by, view_name) else None,
        )
    run_files(conn, AFTER_RECORDING)


def _definition_md5(conn: Connection, view_name: str) -> str | None:
    row = sql.run(conn, SELECT_MD5, view_name=view_name).one()
    return None if row.definition_md5 is None else str(row.definition_md5)


# What PostgreSQL answers when a view cannot be replaced by another definition: other columns
# (invalid_table_definition, datatype_mismatch) or another kind of relation (wrong_object_type).
OTHER_VIEW = {"42P16", "42804", "42809"}


def _created_md5(conn: Connection, created_by: str, view_name: str) -> str | None:
    """The md5 of the definition the project's file gives the view: the file runs again in a
    savepoint, rolled back whatever happens, so the view as found stays. None when the view as
    found cannot take that definition; any other error (a lock not granted, a timeout) fails
    the upgrade, rather than record as changed a view that may not be."""
    savepoint = conn.begin_nested()
    try:
        run_files(conn, (created_by,))
        return _definition_md5(conn, view_name)
    except MigrationFailed as exc:
        if getattr(getattr(exc.__cause__, "orig", None), "sqlstate", None) in OTHER_VIEW:
            return None
        raise
    finally:
        savepoint.rollback()


def downgrade() -> None:
    raise NotImplementedError("0016 is undone only by `orphans-pipeline db downgrade`")
