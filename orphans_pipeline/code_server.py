"""The workspace's code server, started by the CLI's `fix` before it imports Dagster.

A code server answers about 1.2 s after it starts (a new interpreter importing Dagster, its
storage and the definitions), and `fix` needs about 0.5 s to import Dagster before it can ask
Dagster's registry for one: one after the other, that is 0.5 s of every `fix` spent waiting.
Started here first, with the command line the registry runs for workspace.yaml's location, the
two overlap; `launch` then hands this server to the workspace (`launch._PrestartedRegistry`).
Whatever goes wrong with it (it exits, it does not answer in time, the workspace names another
target) changes nothing but the time: the registry then starts one itself, as before, and
reports its errors as before.

No Dagster import here: that is the point.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from orphans_pipeline import instance

# workspace.yaml's one location (launch checks the workspace still names exactly this).
LOCATION = "orphans_pipeline"
MODULE = "orphans_pipeline.definitions"
# What Dagster's workspace gives the servers it starts: its heartbeat TTL for them
# (WEBSERVER_GRPC_SERVER_HEARTBEAT_TTL) and its log level.
HEARTBEAT_SECONDS = 45
LOG_LEVEL = "INFO"
STOP_GRACE_SECONDS = 5.0


@dataclass
class PrestartedCodeServer:
    process: subprocess.Popen[bytes]
    socket: str
    # This process's children before the server: launch's clean-up stops what came after.
    started_before: set[int] = field(default_factory=set)

    def stop(self) -> None:
        """End the server if it is still running (never handed over, or left behind), and
        remove its socket's directory."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(Path(self.socket).parent, ignore_errors=True)


def command(socket: str) -> list[str]:
    """The command line Dagster's registry runs for workspace.yaml's location (the instance is
    DAGSTER_HOME's, which is what the registry would pass it)."""
    return [
        sys.executable,
        "-m",
        "dagster",
        "api",
        "grpc",
        "--lazy-load-user-code",
        "--socket",
        socket,
        "--heartbeat",
        "--heartbeat-timeout",
        str(HEARTBEAT_SECONDS),
        "--log-level",
        LOG_LEVEL,
        "--inject-env-vars-from-instance",
        "--location-name",
        LOCATION,
        "-m",
        MODULE,
    ]


def start(environment: dict[str, str]) -> PrestartedCodeServer | None:
    """Start the code server, with `environment` added to this process's; None where the
    Dagster instance might not come up (the registry's own start then reports why)."""
    if os.environ.get("DAGSTER_INSTANCE_REF"):
        return None  # the server would take that instance, the registry DAGSTER_HOME's
    if instance.dagster_home_ready() is None:
        return None
    env = {**os.environ, **environment}
    env.pop("DAGSTER_GRPC_PORT", None)  # a port would conflict with --socket
    directory = tempfile.mkdtemp(prefix="orphans-code-server-")
    socket = str(Path(directory) / "grpc.sock")
    try:
        started_before = {child.pid for child in psutil.Process().children()}
        process = subprocess.Popen(command(socket), env=env)
    except (OSError, psutil.Error):
        shutil.rmtree(directory, ignore_errors=True)
        return None  # the registry starts one, and says why it cannot
    return PrestartedCodeServer(process, socket, started_before)
