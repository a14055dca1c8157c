"""One orphans run writes at a time: a PostgreSQL advisory lock with a documented key.

CT4's ingestion can take the same lock (`select pg_advisory_xact_lock(4851560213872920654)`)
around the writes that must not interleave with a run.
"""

import time

from sqlalchemy import Connection

from orphans_pipeline.core import sql

# The bytes of 'CT4ORPHN' read as a big-endian bigint: stable and recognisable in pg_locks.
ORPHANS_LOCK_KEY = 4851560213872920654


class PipelineBusy(RuntimeError):
    """Another orphans execute (or a review, or CT4 ingestion) holds the lock."""


def lock_orphans_pipeline(conn: Connection, wait_seconds: float) -> None:
    """Take the transaction-level lock, waiting up to `wait_seconds`, or raise PipelineBusy."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        locked = sql.run(
            conn, "pipeline/try_lock_orphans_pipeline", lock_key=ORPHANS_LOCK_KEY
        ).scalar_one()
        if locked:
            return
        if time.monotonic() >= deadline:
            raise PipelineBusy(
                "another orphans execute, review or CT4 ingestion holds the pipeline lock "
                f"(pg_advisory_xact_lock({ORPHANS_LOCK_KEY})) and did not release it within "
                f"{wait_seconds:g} s; nothing was written. Retry when it has finished."
            )
        time.sleep(delay)
        delay = min(delay * 2, 1.0)
