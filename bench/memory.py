"""Peak memory of a PostgreSQL server's backends, sampled from /proc while a step runs.

For every backend of the server (and parallel worker, autovacuum worker) it keeps the
peak of VmHWM (resident set high-water mark, shared buffers the process touched included) and
of RssAnon (its private memory: sorts, hashes, caches; what grows when a plan goes wrong), and
the process title (the statement's command tag). Linux only; elsewhere it reports nothing.
"""

import threading
from dataclasses import dataclass
from pathlib import Path

import psycopg

# The server's own processes; what remains are the backends and their parallel workers.
AUXILIARY = (
    "checkpointer",
    "background writer",
    "walwriter",
    "autovacuum launcher",
    "logical replication launcher",
    "io worker",
    "archiver",
    "startup",
)


def _status(pid: int) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def _kb(value: str | None) -> int:
    return int(value.split()[0]) if value else 0


def postmaster_pid(url: str) -> int:
    with psycopg.connect(url) as conn:
        backend = conn.execute("select pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        return int(_status(int(backend))["PPid"])  # while the backend is alive


@dataclass
class Peak:
    hwm_mb: float = 0.0
    anon_mb: float = 0.0
    title: str = ""

    def describe(self) -> str:
        return f"{self.anon_mb:.0f} MB private, {self.hwm_mb:.0f} MB RSS ({self.title})"


class BackendSampler:
    """`with BackendSampler(url) as sampler: ...`; then sampler.peak (the worst process)."""

    def __init__(self, url: str, interval: float = 0.1) -> None:
        self.postmaster = postmaster_pid(url)
        self.interval = interval
        self.per_pid: dict[int, Peak] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _children(self) -> list[int]:
        path = Path(f"/proc/{self.postmaster}/task/{self.postmaster}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def sample(self) -> None:
        for pid in self._children():
            try:
                status = _status(pid)
                title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").strip()
            except OSError:
                continue  # the process ended between listing and reading
            name = title.decode(errors="replace")
            if any(aux in name for aux in AUXILIARY):
                continue  # they touch every shared buffer: not a statement's memory
            peak = self.per_pid.setdefault(pid, Peak())
            peak.hwm_mb = max(peak.hwm_mb, _kb(status.get("VmHWM")) / 1024)
            anon = _kb(status.get("RssAnon")) / 1024
            if anon >= peak.anon_mb:
                peak.anon_mb = anon
                peak.title = name[:120]

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> "BackendSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    @property
    def peak(self) -> Peak:
        if not self.per_pid:
            return Peak()
        worst = max(self.per_pid.values(), key=lambda p: p.anon_mb)
        return Peak(
            hwm_mb=max(p.hwm_mb for p in self.per_pid.values()),
            anon_mb=worst.anon_mb,
            title=worst.title,
        )
