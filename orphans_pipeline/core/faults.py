"""Named crash points, for the fault-injection tests and for operators rehearsing a recovery.

With `ORPHANS_FAULT_POINT=<name>` set, the process kills itself with SIGKILL when it reaches
that point: no cleanup, no rollback from Python, exactly as a lost machine. Unset (always, in
production), `crash_point` does nothing.
"""

import os
import signal

FAULT_ENV = "ORPHANS_FAULT_POINT"
POINTS = (
    "after_links",  # an execute's links are inserted, its quarantine rows not yet
    "before_quarantine_writes",  # outcomes are planned, nothing of the quarantine written
    "before_commit",  # every write of the execute is done, the transaction still open
    "during_reports",  # committed; the CSV report is written, the JSON one not yet
    "review_before_commit",  # a review action's writes are done, not committed
)


def crash_point(name: str) -> None:
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
