"""The server `orphans-pipeline serve` runs, as an operator starts it (a process of its own, on
a free port, bound beyond 127.0.0.1 as a deployment is): bounded request headers, deadlines
for slow headers and bodies, reads that need the token, and an access log with no token.

Bound to 127.0.0.2: an address other than 127.0.0.1, ::1 and localhost (so the server treats
it as reachable from elsewhere) that still only this machine reaches."""

import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from orphans_pipeline.api.app import PREFIX
from orphans_pipeline.api.settings import ApiSettings
from orphans_pipeline_tests.conftest import url_of

TOKEN = "server-token"
HOST = "127.0.0.2"
MAX_HEADER_BYTES = 16 * 1024
# The deadlines the server is started with: short, so the slow clients below wait little.
DEADLINE_SECONDS = 1
# A slow client sends a piece this often, for at most this long (far past the deadline).
TRICKLE_EVERY, TRICKLE_FOR = 0.2, 15.0


@dataclass
class Served:
    base: str
    port: int
    pid: int
    log: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def served(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    environment = {
        **os.environ,
        "DATABASE_URL": url_of(engine),
        "ORPHANS_API_TOKEN": TOKEN,
        # Said false on purpose: bound beyond loopback, reads need the token all the same.
        "ORPHANS_API_READ_REQUIRES_TOKEN": "false",
        "ORPHANS_API_HEADER_TIMEOUT_SECONDS": str(DEADLINE_SECONDS),
        "ORPHANS_API_BODY_TIMEOUT_SECONDS": str(DEADLINE_SECONDS),
    }
    command = [sys.executable, "-m", "orphans_pipeline.cli", "serve", "--host", HOST]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "--port", str(port)], env=environment, stdout=output, stderr=output
        )
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                httpx.get(f"{base}/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        yield Served(base, port, process.pid, log)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _connect(served: Served) -> socket.socket:
    sock = socket.create_connection((HOST, served.port), timeout=30)
    return sock


def _answer(sock: socket.socket) -> bytes:
    """What the server sends until it closes the connection. A server that closes with some of
    a trickling client's bytes unread resets the connection (RST, not FIN) once its answer is
    out: what arrived before the reset is the answer."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def _rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _trickle(sock: socket.socket, piece: bytes) -> bytes:
    """Send `piece` every TRICKLE_EVERY seconds until the server answers (returned) or
    TRICKLE_FOR seconds have passed (b"")."""
    deadline = time.monotonic() + TRICKLE_FOR
    while time.monotonic() < deadline:
        readable, _, _ = select.select([sock], [], [], TRICKLE_EVERY)
        if readable:
            return _answer(sock)
        try:
            sock.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            return _answer(sock)
    return b""


def test_reads_need_the_token_when_serving_beyond_loopback(served: Served) -> None:
    for path in (f"{PREFIX}/metrics", PREFIX, "/orphans"):
        assert httpx.get(f"{served.base}{path}").status_code == 401, path
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert httpx.get(f"{served.base}{PREFIX}/metrics", headers=auth).status_code == 200
    # Whatever ORPHANS_API_READ_REQUIRES_TOKEN says; only the loopback names leave it to it.
    for host in ("0.0.0.0", "::", "10.0.0.5", "orphans.example.org", "127.0.0.2"):
        assert ApiSettings().serving_on(host).read_requires_token, host
    for host in ("127.0.0.1", "localhost", "::1", "[::1]"):
        assert not ApiSettings().serving_on(host).read_requires_token, host


def test_request_headers_over_the_limit_are_a_431_before_auth(served: Served) -> None:
    with _connect(served) as sock:
        sock.sendall(
            b"GET " + PREFIX.encode() + b"/metrics HTTP/1.1\r\nHost: " + HOST.encode() + b"\r\n"
            b"X-Padding: " + b"a" * (2 * MAX_HEADER_BYTES)  # unfinished: no end of line
        )
        answer = _answer(sock)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert f"at most {MAX_HEADER_BYTES} bytes".encode() in answer
    assert b"x-frame-options: DENY" in answer and b"frame-ancestors 'none'" in answer
    # A malformed head is still a 400, with the same headers.
    with _connect(served) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: " + HOST.encode() + b"\r\nno colon\r\n\r\n")
        malformed = _answer(sock)
    assert malformed.startswith(b"HTTP/1.1 400 ") and b"x-frame-options: DENY" in malformed
    # Within the limit, the same request is answered (401: reads need the token here).
    padded = httpx.get(f"{served.base}{PREFIX}/metrics", headers={"X-Padding": "a" * 8000})
    assert padded.status_code == 401


def test_a_huge_unfinished_header_does_not_grow_the_servers_memory(served: Served) -> None:
    """Three clients each try to send 64 MiB of one header line: the server stops reading at
    its limit and closes, so none gets far, and its memory stays where it was."""
    attempt = 64 * 1024 * 1024
    piece = b"a" * (1024 * 1024)
    before = _rss_bytes(served.pid)
    sent = []
    for _ in range(3):
        with _connect(served) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: " + HOST.encode() + b"\r\nX-Huge: ")
            total = 0
            try:
                while total < attempt:
                    sock.sendall(piece)
                    total += len(piece)
            except (BrokenPipeError, ConnectionResetError):
                pass
            sent.append(total)
    assert all(total < attempt for total in sent), sent
    grown = _rss_bytes(served.pid) - before
    assert grown < attempt // 2, f"the server grew by {grown} bytes"


def test_a_client_that_trickles_its_headers_is_cut_off(served: Served) -> None:
    with _connect(served) as sock:
        sock.sendall(b"GET " + PREFIX.encode() + b"/metrics HTTP/1.1\r\n")
        answer = _trickle(sock, b"X-Slow: 1\r\n")
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert f"within {DEADLINE_SECONDS} s".encode() in answer


def test_a_client_that_trickles_its_body_is_cut_off(served: Served) -> None:
    with _connect(served) as sock:
        sock.sendall(
            b"POST " + PREFIX.encode() + b"/D1/purge HTTP/1.1\r\n"
            b"Host: " + HOST.encode() + b"\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + TOKEN.encode() + b"\r\nContent-Length: 5000\r\n\r\n"
            b'{"reviewer": "ana", "notes": "'
        )
        answer = _trickle(sock, b"x")
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert b"request body not received within" in answer


def test_a_token_in_the_query_string_never_reaches_the_access_log(served: Served) -> None:
    secret = "leaked-token-in-a-url"
    url = f"{served.base}{PREFIX}?token={secret}&access_token={secret}&page=2&q=Rosa"
    assert httpx.get(url).status_code == 401
    deadline = time.monotonic() + 10
    while "page=2" not in served.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = served.log.read_text()
    [line] = [line for line in log.splitlines() if "page=2" in line]
    assert secret not in log and "Rosa" not in log
    assert "token=…" in line and "access_token=…" in line and "q=…" in line and " 401" in line
