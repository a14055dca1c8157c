"""Named fault points, for the fault-injection tests and for operators rehearsing a recovery.

With `ORPHANS_FAULT_POINT=<name>` set, the process acts when it reaches that point, according to
`ORPHANS_FAULT_ACTION`: `kill` (the default) sends itself SIGKILL (no cleanup, no rollback from
Python, exactly as a lost machine), `interrupt` sends itself SIGINT (Ctrl-C, a termination), and
`pause` waits there (at most ten minutes) so that a test can act on a run caught mid-way.
Unset (always, in production), `crash_point` does nothing.
"""

import os
import signal
import time

FAULT_ENV = "ORPHANS_FAULT_POINT"
ACTION_ENV = "ORPHANS_FAULT_ACTION"
PAUSE_LIMIT_SECONDS = 600.0
POINTS = (
    "after_links",  # an execute's links are inserted, its quarantine rows not yet
    "before_quarantine_writes",  # outcomes are planned, nothing of the quarantine written
    "before_commit",  # every write of the execute is done, the transaction still open
    "during_reports",  # committed; the CSV report is written, the JSON one not yet named
    "during_views",  # the reports are written; the ops views are being refreshed
    "review_before_commit",  # a review action's writes are done, not committed
)


def crash_point(name: str) -> None:
    if os.environ.get(FAULT_ENV) != name:
        return
    action = os.environ.get(ACTION_ENV, "kill")
    if action == "interrupt":
        os.kill(os.getpid(), signal.SIGINT)
        # The signal is handled between bytecodes; give it the chance before going on.
        time.sleep(1.0)
    elif action == "pause":
        deadline = time.monotonic() + PAUSE_LIMIT_SECONDS
        # Short sleeps, so that an interrupt (a termination) lands at once.
        while time.monotonic() < deadline:
            time.sleep(0.1)
    else:
        os.kill(os.getpid(), signal.SIGKILL)
