"""A code server left without its parent ends, even where Dagster's own shutdown cannot.

A workspace (the CLI's `fix`, the API, the UI, the daemon) starts its code server as
`dagster api grpc --heartbeat --heartbeat-timeout N`: without a heartbeat for N seconds the
server is meant to let its runs finish and exit. On the way, Dagster 1.13's server checks each
finished run worker against the instance storage; when that storage is gone, its clean-up
thread dies on the error and the server never exits (one was found running half an hour after
its database was removed, ignoring SIGTERM). So, in such a server only, a thread watches the
parent: once the parent is gone and no run worker of the server is left, for a short grace, the
process exits. The heartbeats come from that parent alone, so none can come any more: waiting
for the heartbeat to lapse would only delay the same end (Dagster's shutdown, when it works,
also exits once no run is left). A server with a live run worker waits for
it, as Dagster does; a server started without `--heartbeat` (a deployment's own, whose parent
may be a container's init) is never watched.

A code server also checks for the end of its runs and of its shutdown every 0.05 s, not
Dagster's 0.5 s (`quicken_shutdown`). And a process that loaded the location (a code server, a
run worker) exits without the collector's last passes over Dagster's objects (`freeze_at_exit`).
"""

import atexit
import gc
import logging
import os
import sys
import threading
import time
from collections.abc import Sequence

import psutil

LOG = logging.getLogger(__name__)
CHECK_SECONDS = 5.0
# Parent gone and no run worker for this long: a worker being spawned right then has appeared.
GRACE_SECONDS = 10.0
# Dagster's default when `--heartbeat` comes without `--heartbeat-timeout`.
DEFAULT_HEARTBEAT_SECONDS = 30.0
# A code server's clean-up tick (Dagster's CLEANUP_TICK is 0.5 s).
SHUTDOWN_TICK_SECONDS = 0.05

_started = threading.Event()
_freezing = threading.Event()


def heartbeat_timeout(argv: Sequence[str]) -> float | None:
    """The heartbeat timeout of a heartbeat-watched code server's command line, None for any
    other process (`python -m dagster api grpc …` and `dagster api grpc …` alike)."""
    args = list(argv[1:])
    if not _is_code_server(argv) or "--heartbeat" not in args:
        return None
    if "--heartbeat-timeout" in args:
        position = args.index("--heartbeat-timeout") + 1
        try:
            return float(args[position])
        except (IndexError, ValueError):
            return DEFAULT_HEARTBEAT_SECONDS
    return DEFAULT_HEARTBEAT_SECONDS


def _is_code_server(argv: Sequence[str]) -> bool:
    """Whether `argv` is a code server's command line (`python -m dagster api grpc …` and
    `dagster api grpc …` alike)."""
    return list(argv[1:3]) == ["api", "grpc"]


def watch_parent(argv: Sequence[str] | None = None) -> bool:
    """In a heartbeat-watched code server, start the watch (once); say whether it runs."""
    timeout = heartbeat_timeout(sys.argv if argv is None else argv)
    if timeout is None:
        return False
    if not _started.is_set():
        _started.set()
        threading.Thread(
            target=_watch,
            args=(os.getppid(), GRACE_SECONDS),
            name="orphans-parent-watch",
            daemon=True,
        ).start()
    return True


def quicken_shutdown(argv: Sequence[str] | None = None) -> bool:
    """In a code server (`api grpc`), look for the end of its runs and of its own shutdown every
    SHUTDOWN_TICK_SECONDS instead of Dagster's 0.5 s; say whether it does.

    Told to shut down, Dagster's server ends at the next tick of its clean-up thread (which
    also reaps its finished run workers): on average 0.25 s of every `fix` spent waiting for
    it. Each tick is a check of the server's own run processes, under its lock, no query."""
    if not _is_code_server(sys.argv if argv is None else argv):
        return False
    from dagster._grpc import server

    if not hasattr(server, "CLEANUP_TICK"):  # another Dagster: its own ticks, as they are
        return False
    server.CLEANUP_TICK = SHUTDOWN_TICK_SECONDS
    return True


def freeze_at_exit() -> None:
    """At this process's exit, move every object into the collector's permanent generation
    (`gc.freeze`), once.

    A process that loaded the location holds some 250,000 of Dagster's objects; the collector's
    passes over them as the interpreter ends took 0.6-0.9 s in the run worker and as much in its
    code server, and `fix` waits for both after RUN_SUCCESS (the server for its worker, the
    command for the server): about 1.1 s of every command. Frozen, each exits in about 0.1 s.
    Registered after Dagster's and logging's own exit handlers, it runs before them (last in,
    first out): those still run, and flush and close what they own; what is no longer done is
    finalizing objects left in reference cycles at exit, which the run does not rely on (its
    events, logs, reports and connections are written and closed before RUN_SUCCESS)."""
    if not _freezing.is_set():
        _freezing.set()
        atexit.register(gc.freeze)


def _has_run_worker() -> bool:
    """Whether a child of this server still runs (a zombie is a worker that already ended;
    multiprocessing's resource tracker is not a worker)."""
    for child in psutil.Process().children():
        try:
            if child.status() == psutil.STATUS_ZOMBIE:
                continue
            if "resource_tracker" in " ".join(child.cmdline()):
                continue
        except psutil.Error:
            continue
        return True
    return False


def _watch(parent: int, patience: float) -> None:
    idle_since: float | None = None
    while True:
        time.sleep(CHECK_SECONDS)
        if os.getppid() == parent or _has_run_worker():
            idle_since = None
            continue
        idle_since = idle_since if idle_since is not None else time.monotonic()
        if time.monotonic() - idle_since >= patience:
            LOG.warning(
                "code server %s: its parent %s is gone and it has no run left; exiting",
                os.getpid(),
                parent,
            )
            os._exit(0)
