"""The HTTP app's outer guards, as plain ASGI middleware (they run before routing, parsing and
authentication): the allowed Host names, the request body limit and the security headers."""

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_PATHS = ("/api/", "/openapi.json")
# The API answers JSON only: nothing in it may run, load or be framed.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The review page is a server-rendered document whose script and stylesheet are served files
# (no inline script, handler or style); it talks to this origin only and is never framed.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


async def _send_problem(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class BodySizeLimit:
    """413 for a request body over `max_bytes`, 408 for one not received within
    `timeout_seconds`, before anything parses or authenticates it.

    A declared Content-Length over the limit is refused before a byte is read; a chunked body
    is counted as it arrives and refused as soon as it passes the limit. A body within the limit
    is read whole (it is small) and handed on unchanged. A client that trickles its body is cut
    off at the deadline: it would otherwise hold a connection, and the body's memory, for ever.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_seconds: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_seconds = timeout_seconds

    def _too_large(self) -> str:
        return f"request body too large: at most {self.max_bytes} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await _send_problem(send, 400, "malformed Content-Length header")
                return
            if int(declared) > self.max_bytes:
                await _send_problem(send, 413, self._too_large())
                return
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.timeout_seconds):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.max_bytes:
                        await _send_problem(send, 413, self._too_large())
                        return
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            await _send_problem(
                send, 408, f"request body not received within {self.timeout_seconds:g} s"
            )
            return
        pending: list[Message] = [{"type": "http.request", "body": b"".join(chunks)}]

        async def replay() -> Message:
            if pending:
                return pending.pop()
            return await receive()

        await self.app(scope, replay, send)


def host_of(header: str) -> str:
    """The host name of a Host header, without its port ("[::1]:8000" -> "[::1]")."""
    header = header.strip().lower()
    if header.startswith("["):
        return header.split("]", 1)[0] + "]"
    return header.split(":", 1)[0]


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    for pattern in allowed:
        if pattern == "*" or host == pattern:
            return True
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
    return False


class AllowedHosts:
    """400 for a Host header not in the list: a page of another site whose name was pointed at
    this server (DNS rebinding) cannot read the queue's names and phones."""

    def __init__(self, app: ASGIApp, allowed: tuple[str, ...]) -> None:
        self.app = app
        self.allowed = tuple(host_of(host) if host != "*" else host for host in allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = host_of(_header(scope, b"host") or "")
            if not host_allowed(host, self.allowed):
                if scope["type"] == "http":
                    await _send_problem(
                        send,
                        400,
                        "this server does not answer to that Host name "
                        "(the operator lists its names in ORPHANS_API_ALLOWED_HOSTS)",
                    )
                else:
                    # Closed before it is accepted: the handshake is refused (403).
                    await send({"type": "websocket.close", "code": 1008})
                return
        await self.app(scope, receive, send)


def policy_for(path: str) -> str:
    return API_POLICY if path.startswith(API_PATHS) else PAGE_POLICY


class SecurityHeaders:
    """CSP (frame-ancestors 'none' included), X-Frame-Options, nosniff and no referrer on every
    response; the API's and the page's answers (personal data) are also never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        extra = [
            (b"content-security-policy", policy_for(path).encode()),
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
        ]
        # The API and the page carry names, phones and whole reports: never cached (the page's
        # own script and stylesheet may be).
        if path.startswith(API_PATHS) or (
            path.startswith("/orphans") and not path.startswith("/orphans/assets/")
        ):
            extra.append((b"cache-control", b"no-store"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {bytes(key).lower() for key, _ in message.get("headers") or []}
                headers = list(message.get("headers") or [])
                headers += [(key, value) for key, value in extra if key not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
