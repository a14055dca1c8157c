"""Step 2: classify the candidates by the evidence in `observational.lead_events`."""

from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from typing import Any

from sqlalchemy import Connection, Engine

from orphans_pipeline.core import sessions, sql

# Sessions that stage a run's relations side by side, each one share of the work: PostgreSQL
# never plans an INSERT or UPDATE in parallel, and classifying is the CPU's work, not the disk's
# (2 cores: 3.0 s -> 1.4 s for 97,500 candidates at 1,000,000 drivers; more would only queue).
STAGING_SESSIONS = 2
STAGING_THREADS = "orphans-share"  # their names' prefix (the bench's recorder knows them by it)


def classify_orphans(engine: Engine, run_id: str) -> dict[str, int]:
    """Stage every related event with its level and flags; return counts per level."""
    in_shares(engine, "pipeline/classify_orphans", run_id)
    # Statistics on the staged rows first: the flagging plans are only good with them.
    with engine.begin() as conn:
        sql.run(conn, "pipeline/analyze_run_events")
    in_shares(engine, "pipeline/flag_ambiguous_events", run_id)
    with engine.begin() as conn:
        counts = sql.run(conn, "pipeline/count_run_events", run_id=run_id).mappings().one()
    return {key: int(value) for key, value in counts.items()}


def in_shares(engine: Engine, name: str, run_id: str, shares: int = STAGING_SESSIONS) -> None:
    """Run `sql/<name>.sql` for each share of run `run_id` (`:part` of `:parts`), each in a
    session of its own on a thread of its own, side by side, all reading one snapshot (the
    first session exports it, the others import it): what one statement would stage. The
    sessions commit once every share has succeeded (one after the other: should a commit fail
    after another's, the run fails and the next run drops its work rows); once one fails, or
    the step is interrupted, the others are cancelled and none commits."""
    with ExitStack() as stack:
        connections: list[Connection] = []
        for _ in range(shares):
            conn = engine.connect().execution_options(isolation_level="REPEATABLE READ")
            connections.append(stack.enter_context(conn))
        snapshot = sql.run(connections[0], "session/export_snapshot").scalar_one()
        for conn in connections[1:]:
            sql.run_utility(conn, "session/set_transaction_snapshot", snapshot_id=str(snapshot))
        # Taken here, before any thread uses its session: a cancel goes through the driver's
        # connection alone, whatever state SQLAlchemy's is in by then.
        drivers = [conn.connection.driver_connection for conn in connections]
        # Entered after the sessions: every thread is done before its session is closed.
        pool = stack.enter_context(ThreadPoolExecutor(shares, thread_name_prefix=STAGING_THREADS))
        running: dict[Future[Any], Any] = {}
        try:
            for part, conn in enumerate(connections):
                future = pool.submit(sql.run, conn, name, run_id=run_id, part=part, parts=shares)
                running[future] = drivers[part]
            wait(running, return_when=FIRST_EXCEPTION)
            for future in running:  # the first share's failure first, whichever came first
                if future.done():
                    future.result()
            wait(running)
        except BaseException:
            sessions.cancel_until_done(running)
            raise
        for conn in connections:
            conn.commit()
