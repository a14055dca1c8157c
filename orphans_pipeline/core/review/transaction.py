"""The one transaction of every review, single or bulk: under the pipeline's advisory lock,
committed only when the caller's work says so, rolled back on any error (nothing half-written)."""

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine

from orphans_pipeline.core.faults import crash_point
from orphans_pipeline.core.locking import lock_orphans_pipeline

Result = TypeVar("Result")


def in_locked_transaction(
    engine: Engine,
    work: Callable[[Connection], Result],
    *,
    commit: Callable[[Result], bool],
    lock_wait_seconds: float,
) -> Result:
    """Run `work` in one transaction holding the pipeline lock; commit if `commit(result)`, else
    roll back (a preview). Any exception rolls everything back and is raised again."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            lock_orphans_pipeline(conn, lock_wait_seconds)
            result = work(conn)
        except BaseException:
            transaction.rollback()
            raise
        if commit(result):
            crash_point("review_before_commit")
            transaction.commit()
        else:
            transaction.rollback()
    return result
