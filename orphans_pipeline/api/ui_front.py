"""The front of the Dagster UI: what every request to the webserver passes first.

Dagster's webserver trusts whoever reaches it: any page can post a form to `/graphql` and
launch, re-execute, terminate or delete runs, and read logs with any Host. Behind this front
(`orphans-pipeline ui` serves the webserver's ASGI app wrapped in it, in one process):

- the Host must be one of `ORPHANS_API_ALLOWED_HOSTS` (api/security.py's check, the API's rules);
- every request carries the operator's credentials: the session cookie the login form sets
  (HttpOnly, SameSite=Strict, derived from `ORPHANS_API_TOKEN`, with an expiry) or
  `Authorization: Bearer $ORPHANS_API_TOKEN`; with no token configured, everything is refused
  with a page saying how to configure it;
- a state-changing request (any method but GET, HEAD, OPTIONS) and a websocket must come from
  the UI's own origin (`Origin` equal to the Host); one with no `Origin` is taken only with the
  bearer header, which no other site can make a browser send;
- GraphQL runs a mutation only from a JSON POST: `GET /graphql` carrying anything but a query,
  and any POST to `/graphql` that is not `application/json`, are refused before Dagster sees
  them (the UI itself uses JSON POSTs and a websocket).
"""

import asyncio
import hashlib
import hmac
import html
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit

from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orphans_pipeline.api.security import AllowedHosts
from orphans_pipeline.api.settings import ApiSettings

PREFIX = "/_orphans"
LOGIN_PATH = f"{PREFIX}/login"
LOGOUT_PATH = f"{PREFIX}/logout"
SESSION_COOKIE = "orphans_ui_session"
# Its own purpose: the review page's read cookie (api/auth.py) never opens the UI.
SESSION_PURPOSE = b"orphans_pipeline dagster ui session v1"
SESSION_SECONDS = 12 * 3600
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
GRAPHQL_PATH = "/graphql"
# The front's own pages: a form, no script, nothing loaded from anywhere.
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
LOGIN_FAILURES_PAUSE_SECONDS = 1.0


@dataclass(frozen=True)
class UiSettings:
    # The token the operator logs in with (the API's); None: the UI refuses everything.
    token: str | None
    # Host names the UI answers to, with the API's rules (ORPHANS_API_ALLOWED_HOSTS).
    allowed_hosts: tuple[str, ...]
    session_seconds: int = SESSION_SECONDS

    @classmethod
    def from_env(cls, bind_host: str) -> "UiSettings":
        api = ApiSettings.from_env().serving_on(bind_host)
        return cls(token=api.api_token, allowed_hosts=api.allowed_hosts)


def session_value(token: str, expires: int) -> str:
    """The session cookie's value until `expires` (epoch seconds): no use as a token, and
    worthless once the token changes."""
    signed = hmac.new(token.encode(), SESSION_PURPOSE + b"|" + str(expires).encode(), "sha256")
    return f"{expires}.{signed.hexdigest()}"


def session_valid(token: str, value: str | None, now: float | None = None) -> bool:
    if not value or "." not in value:
        return False
    expires, _, _ = value.partition(".")
    if not expires.isdigit() or int(expires) <= (time.time() if now is None else now):
        return False
    return hmac.compare_digest(value.encode(), session_value(token, int(expires)).encode())


def _same_token(given: str, token: str) -> bool:
    # Hashed first: compare_digest then compares equal lengths, whatever was typed.
    return hmac.compare_digest(
        hashlib.sha256(given.encode()).digest(), hashlib.sha256(token.encode()).digest()
    )


def _headers(scope: Scope) -> dict[str, str]:
    return {
        bytes(key).decode("latin-1").lower(): bytes(value).decode("latin-1")
        for key, value in scope.get("headers") or []
    }


def _origin_matches(origin: str, host: str) -> bool:
    """`origin` (scheme://host[:port]) names this server as the browser reached it (Host)."""
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    default_port = {"http": ":80", "https": ":443"}[parts.scheme]
    netloc = parts.netloc.lower().removesuffix(default_port)
    return netloc == host.strip().lower().removesuffix(default_port)


def _local_path(value: str | None) -> str:
    """Where to go after logging in: a path of this server, never another site. Browsers drop
    tabs and newlines from a URL and read a backslash as a slash, so `/<tab>/evil.example`
    would be `//evil.example`: only printable ASCII without a backslash, one leading slash."""
    if (
        not value
        or not value.startswith("/")
        or value.startswith("//")
        or any(char == "\\" or not 0x20 < ord(char) < 0x7F for char in value)
    ):
        return "/"
    return value


def _graphql_get_mutates(query_string: bytes) -> bool | None:
    """Whether a GET /graphql asks for more than a query (a mutation, a subscription); None
    when its document does not parse."""
    from graphql import OperationDefinitionNode, OperationType, parse
    from graphql.error import GraphQLError

    query = parse_qs(query_string.decode("latin-1")).get("query")
    if not query:
        return False
    try:
        document = parse(query[0])
    except GraphQLError:
        return None
    return any(
        isinstance(node, OperationDefinitionNode) and node.operation != OperationType.QUERY
        for node in document.definitions
    )


async def _respond(
    send: Send,
    status: int,
    body: str,
    *,
    content_type: str = "application/json",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    payload = body.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(payload)).encode()),
                (b"cache-control", b"no-store"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def _problem(send: Send, status: int, detail: str, **extra: bytes) -> None:
    headers = [(key.replace("_", "-").encode(), value) for key, value in extra.items()]
    await _respond(send, status, json.dumps({"detail": detail}), headers=headers)


async def _page(
    send: Send, status: int, title: str, body: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    document = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;"
        "padding:0 1rem}input,button{font-size:1rem;padding:.4rem}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    await _respond(
        send,
        status,
        document,
        content_type="text/html; charset=utf-8",
        headers=[(b"content-security-policy", PAGE_POLICY.encode()), *(headers or [])],
    )


async def _read_body(receive: Receive, limit: int = 16 * 1024) -> bytes | None:
    """The request body (a login form is small): None when larger than `limit`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


NOT_CONFIGURED = (
    "<p>The Dagster UI is locked: <code>ORPHANS_API_TOKEN</code> is not set where "
    "<code>orphans-pipeline ui</code> runs, so nobody can log in and every request is refused."
    "</p><p>Set it to a long random secret (the same token as the API's, from your secret "
    "store) and restart the UI, for example:</p>"
    '<pre>export ORPHANS_API_TOKEN="$(openssl rand -hex 32)"\nmake ui</pre>'
    "<p>then log in at <code>/_orphans/login</code> with that token.</p>"
)


class UiFront:
    """The checks above, around the webserver's ASGI app (`app`)."""

    def __init__(self, app: ASGIApp, settings: UiSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:  # lifespan
            await self.app(scope, receive, send)

    def _credentials(self, headers: dict[str, str]) -> str | None:
        """How the request proves the token ("bearer" or "cookie"), if it does."""
        token = self.settings.token
        if token is None:
            return None
        scheme, _, given = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and given and _same_token(given.strip(), token):
            return "bearer"
        # Starlette's lenient parser: another application's odd cookie on the same host must
        # not hide this one (the standard library's parser stops at the first it dislikes).
        session = cookie_parser(headers.get("cookie", "")).get(SESSION_COOKIE)
        if session_valid(token, session):
            return "cookie"
        return None

    @staticmethod
    def _cross_origin(headers: dict[str, str], credentials: str | None) -> bool:
        """A browser names the page's origin; without one, only the bearer header is taken."""
        origin = headers.get("origin")
        if origin is None:
            return credentials != "bearer"
        return not _origin_matches(origin, headers.get("host", ""))

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = _headers(scope)
        method = scope["method"].upper()
        path: str = scope.get("path", "")
        if self.settings.token is None:
            await _page(send, 403, "Dagster UI: not configured", NOT_CONFIGURED)
            return
        if path == LOGIN_PATH:
            await self._login(scope, receive, send, headers)
            return
        credentials = self._credentials(headers)
        if credentials is None:
            await self._unauthenticated(scope, send, headers)
            return
        if method not in SAFE_METHODS and self._cross_origin(headers, credentials):
            await _problem(send, 403, "cross-origin request refused: the UI acts for its own pages")
            return
        if path == LOGOUT_PATH:
            await self._logout(scope, send, method)
            return
        if path.rstrip("/") == GRAPHQL_PATH:
            refusal = self._graphql_refusal(scope, method, headers)
            if refusal is not None:
                status, detail = refusal
                await _problem(send, status, detail)
                return
        await self.app(scope, receive, _with_frame_denial(send))

    @staticmethod
    def _graphql_refusal(
        scope: Scope, method: str, headers: dict[str, str]
    ) -> tuple[int, str] | None:
        if method == "POST":
            media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if media != "application/json":
                return 415, "GraphQL takes a JSON POST (Content-Type: application/json) only"
            return None
        if method in ("GET", "HEAD"):
            mutates = _graphql_get_mutates(scope.get("query_string", b""))
            if mutates is None:
                return 400, "the GraphQL document does not parse"
            if mutates:
                return 405, "a GraphQL mutation is run only from a JSON POST"
        return None

    async def _unauthenticated(self, scope: Scope, send: Send, headers: dict[str, str]) -> None:
        if scope["method"].upper() == "GET" and "text/html" in headers.get("accept", ""):
            target = scope.get("path", "/")
            if scope.get("query_string"):
                target += "?" + scope["query_string"].decode("latin-1")
            location = f"{LOGIN_PATH}?next={quote(target, safe='')}"
            await _respond(send, 303, "", headers=[(b"location", location.encode())])
            return
        await _problem(
            send,
            401,
            "log in at /_orphans/login, or send Authorization: Bearer <ORPHANS_API_TOKEN>",
            www_authenticate=b"Bearer",
        )

    async def _login(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str]
    ) -> None:
        method = scope["method"].upper()
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        target = _local_path((query.get("next") or ["/"])[0])
        if method in ("GET", "HEAD"):
            await self._login_form(send, target, status=200, message="")
            return
        if method != "POST":
            await _problem(send, 405, "GET or POST only", allow=b"GET, POST")
            return
        # A login posted from another site would log the operator into the attacker's session.
        origin = headers.get("origin")
        if origin is None or not _origin_matches(origin, headers.get("host", "")):
            await _problem(send, 403, "cross-origin request refused: the UI acts for its own pages")
            return
        body = await _read_body(receive)
        form = parse_qs((body or b"").decode("utf-8", "replace"))
        given = (form.get("token") or [""])[0]
        target = _local_path((form.get("next") or ["/"])[0])
        token = self.settings.token
        assert token is not None
        if not given or not _same_token(given, token):
            await asyncio.sleep(LOGIN_FAILURES_PAUSE_SECONDS)  # slows guessing, not an operator
            await self._login_form(send, target, status=401, message="Wrong token.")
            return
        expires = int(time.time()) + self.settings.session_seconds
        cookie = (
            f"{SESSION_COOKIE}={session_value(token, expires)}; Path=/; HttpOnly; "
            f"SameSite=Strict; Max-Age={self.settings.session_seconds}"
        )
        if _https(scope, headers):
            cookie += "; Secure"
        await _respond(
            send,
            303,
            "",
            headers=[(b"location", target.encode()), (b"set-cookie", cookie.encode())],
        )

    async def _login_form(self, send: Send, target: str, *, status: int, message: str) -> None:
        note = f"<p role='alert'><strong>{html.escape(message)}</strong></p>" if message else ""
        body = (
            f"{note}<p>The Dagster UI of orphans_pipeline. Log in with the operators' token "
            "(<code>ORPHANS_API_TOKEN</code>).</p>"
            f"<form method='post' action='{LOGIN_PATH}'>"
            f"<input type='hidden' name='next' value='{html.escape(target, quote=True)}'>"
            "<p><label for='token'>Token</label><br>"
            "<input id='token' name='token' type='password' autocomplete='current-password' "
            "required autofocus size='40'></p>"
            "<p><button type='submit'>Log in</button></p></form>"
        )
        await _page(send, status, "Dagster UI: log in", body)

    async def _logout(self, scope: Scope, send: Send, method: str) -> None:
        if method in ("GET", "HEAD"):
            form = (
                f"<form method='post' action='{LOGOUT_PATH}'>"
                "<p><button type='submit'>Log out</button></p></form>"
            )
            await _page(send, 200, "Dagster UI: log out", form)
            return
        cookie = f"{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
        await _respond(
            send,
            303,
            "",
            headers=[(b"location", LOGIN_PATH.encode()), (b"set-cookie", cookie.encode())],
        )

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = _headers(scope)
        credentials = self._credentials(headers)
        if credentials is None or self._cross_origin(headers, credentials):
            # Closing before accepting refuses the handshake (403).
            await send({"type": "websocket.close", "code": 1008})
            return
        await self.app(scope, receive, send)


def _https(scope: Scope, headers: dict[str, str]) -> bool:
    # Behind a TLS proxy the scheme seen here is http; the proxy says what the browser used.
    return scope.get("scheme") == "https" or headers.get("x-forwarded-proto") == "https"


def _with_frame_denial(send: Send) -> Callable[[Message], Awaitable[None]]:
    """Dagster's pages may not be framed by another site (its CSP has no frame-ancestors)."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers") or [])
            policy = next(
                (
                    i
                    for i, (key, _) in enumerate(headers)
                    if key.lower() == b"content-security-policy"
                ),
                None,
            )
            if policy is None:
                headers.append((b"content-security-policy", b"frame-ancestors 'none'"))
            else:
                key, value = headers[policy]
                headers[policy] = (key, value.rstrip(b"; ") + b"; frame-ancestors 'none'")
            headers.append((b"x-frame-options", b"DENY"))
            message["headers"] = headers
        await send(message)

    return sending


def ui_front(app: ASGIApp, settings: UiSettings) -> ASGIApp:
    """The webserver's app behind the front: the Host check first, then the rest."""
    return AllowedHosts(UiFront(app, settings), allowed=settings.allowed_hosts)
