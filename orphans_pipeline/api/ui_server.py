"""`orphans-pipeline ui`: the Dagster UI behind the project's front, with the daemon beside it.

One process serves the UI: Dagster's webserver app, built in this process from the workspace of
workspace.yaml (`launch.workspace`, whose code server it starts), wrapped in the front
(`ui_front`) and served by uvicorn. There is no bare webserver port at all, not even on
loopback, where any local page could reach it. Beside it, `dagster-daemon run` on the same
workspace and instance runs the schedules, the run queue, run monitoring and the sensors (what
`dagster dev` started before).

Everything ends with this process. SIGINT and SIGTERM (from a background script too: the CLI
handles both) stop uvicorn; then the daemon is sent SIGTERM and killed with its children if it
has not ended 30 s later, and the workspace stops its code server likewise. Killed outright,
this process cannot do that: on Linux the daemon is started so that the kernel sends it
SIGTERM when this process dies (PR_SET_PDEATHSIG), and the code servers end by their
heartbeat (defs/lifetime.py when Dagster's shutdown is stuck).
"""

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager, suppress
from typing import Any

from orphans_pipeline import launch
from orphans_pipeline.api.ui_front import LOGIN_PATH, UiSettings, ui_front
from orphans_pipeline.core.shipped import shipped_path

DAEMON_GRACE_SECONDS = 30.0
# The pool settings `dagster-webserver` gives its instance by default.
STATEMENT_TIMEOUT_MS, POOL_RECYCLE_SECONDS, POOL_MAX_OVERFLOW = 15000, 3600, 20
WILDCARD_BINDS = ("0.0.0.0", "::", "[::]", "")

# Run as `python -c DIE_WITH_PARENT <parent pid> <command…>`: the kernel sends the command
# SIGTERM when its parent dies (the flag survives exec), then it becomes the command.
DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "PR_SET_PDEATHSIG = 1\n"
    "ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit(0)\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)


def daemon_command(workspace: str) -> list[str]:
    command = [sys.executable, "-m", "dagster._daemon", "run", "-w", workspace]
    if sys.platform.startswith("linux"):
        return [sys.executable, "-c", DIE_WITH_PARENT, str(os.getpid()), *command]
    return command


@contextmanager
def daemon_process() -> Iterator[subprocess.Popen[bytes]]:
    """`dagster-daemon run` on the workspace, stopped (SIGTERM, then killed with its children
    after DAEMON_GRACE_SECONDS) when the block is left."""
    process = subprocess.Popen(daemon_command(str(shipped_path("workspace.yaml"))))
    try:
        yield process
    finally:
        launch.stop_process_tree(process.pid, DAEMON_GRACE_SECONDS)


@asynccontextmanager
async def _lifespan(app: Any) -> AsyncIterator[None]:
    # uvicorn cancels the lifespan task on shutdown: an expected end, not an error to print.
    with suppress(asyncio.CancelledError):
        yield


def exposure(host: str, port: int, settings: UiSettings, daemon_pid: int) -> list[str]:
    """What the operator is told at start: where the UI is, to whom it answers, how to log in."""
    shown = "127.0.0.1" if host in WILDCARD_BINDS else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    base = f"http://{shown}:{port}"
    where = (
        "on EVERY interface of this machine: serve it to others only through TLS"
        if host in WILDCARD_BINDS
        else ("on this machine only" if shown in ("127.0.0.1", "localhost", "[::1]") else "")
    )
    lines = [
        f"Dagster UI on {base} ({where or 'on ' + host}), behind the orphans front:",
        "  answers the Host names "
        + ", ".join(settings.allowed_hosts)
        + " (ORPHANS_API_ALLOWED_HOSTS); any other gets 400",
    ]
    if settings.token is None:
        lines.append(
            "  ORPHANS_API_TOKEN is not set: the UI refuses every request and shows how to set "
            "it; set it and restart"
        )
    else:
        hours = settings.session_seconds // 3600
        lines += [
            f"  log in at {base}{LOGIN_PATH} with ORPHANS_API_TOKEN (a session lasts {hours} h);"
            " scripts send Authorization: Bearer <token>",
            "  launches, terminations and deletions only from its own pages (same Origin), "
            "GraphQL mutations only by JSON POST",
        ]
    lines.append(
        f"  daemon (schedules, run queue, run monitoring, sensors): pid {daemon_pid}; "
        "Ctrl-C or SIGTERM stops both"
    )
    return lines


def serve(host: str, port: int) -> int:
    """Serve the UI until SIGINT or SIGTERM; 1 if the daemon died first."""
    import dagster as dg
    import uvicorn
    from dagster_webserver.app import create_app_from_workspace_process_context
    from dagster_webserver.version import __version__ as webserver_version

    settings = UiSettings.from_env(host)
    daemon_died = threading.Event()
    with dg.DagsterInstance.get() as instance, ExitStack() as stack:
        instance.optimize_for_webserver(
            STATEMENT_TIMEOUT_MS, POOL_RECYCLE_SECONDS, POOL_MAX_OVERFLOW
        )
        context = stack.enter_context(launch.workspace(instance, version=webserver_version))
        daemon = stack.enter_context(daemon_process())
        webserver = create_app_from_workspace_process_context(context, lifespan=_lifespan)
        server = uvicorn.Server(
            uvicorn.Config(ui_front(webserver, settings), host=host, port=port, log_level="warning")
        )

        def watch_daemon() -> None:
            daemon.wait()
            if not server.should_exit:
                daemon_died.set()
                print(f"the daemon ended (exit {daemon.returncode}): stopping", file=sys.stderr)
                server.should_exit = True

        threading.Thread(target=watch_daemon, name="orphans-daemon-watch", daemon=True).start()
        for line in exposure(host, port, settings, daemon.pid):
            print(line)
        sys.stdout.flush()
        try:
            server.run()
        finally:
            server.should_exit = True
            if threading.current_thread() is threading.main_thread():
                # A second Ctrl-C must not cut the stop of the daemon and code server short.
                for signum in (signal.SIGINT, signal.SIGTERM):
                    signal.signal(signum, signal.SIG_IGN)
    return 1 if daemon_died.is_set() else 0
