"""Statements run beside the caller's, each on a session and a thread of its own: cancelled,
not waited for, once the caller fails or is interrupted."""

from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

T = TypeVar("T")

# How often a statement not yet done is sent its cancel again: one sent before the statement
# reached the server is lost.
CANCEL_AGAIN_SECONDS = 0.2


def cancel_until_done(running: Mapping[Future[Any], Any]) -> None:
    """Cancel the statement of each future still running (a cancel request, from this thread,
    through the psycopg connection it maps to), again until it is done."""
    while pending := [future for future in running if not future.done()]:
        for future in pending:
            # A cancel that cannot be sent (the server gone) leaves the statement to fail.
            with suppress(Exception):
                running[future].cancel_safe()
        wait(pending, timeout=CANCEL_AGAIN_SECONDS)


@contextmanager
def beside(
    engine: Engine, read: Callable[[Connection], T], thread_name: str
) -> Iterator[Future[T]]:
    """`read(conn)` on a session of its own, on a thread named `thread_name`, while the caller
    goes on; its future is yielded. Leaving with an error (or an interrupt) cancels its
    statement; the session is closed once the thread is done with it."""
    with engine.connect() as conn:
        # Taken before the thread uses the session: a cancel goes through the driver alone.
        running = {}
        with ThreadPoolExecutor(1, thread_name_prefix=thread_name) as pool:
            future = pool.submit(read, conn)
            running[future] = conn.connection.driver_connection
            try:
                yield future
            except BaseException:
                cancel_until_done(running)
                raise
