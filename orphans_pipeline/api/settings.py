"""The API's settings, read from the environment once when the app is built."""

import os
from dataclasses import dataclass, replace

from orphans_pipeline.core.settings import ConfigError

TRUE_WORDS = ("1", "true", "yes", "on")
# The names a browser on this machine uses for a server bound to the loopback interface.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
# Starlette's TestClient sends `Host: testserver`; only settings built in code (the tests) take
# it, never the environment's default.
TEST_CLIENT_HOST = "testserver"
# Review and run-fix bodies are a few hundred bytes; anything much larger is a mistake or an
# attack on the server's memory.
DEFAULT_MAX_BODY_BYTES = 64 * 1024
# A request's line and headers (h11's own default): a bearer token and a cookie need far less.
DEFAULT_MAX_HEADER_BYTES = 16 * 1024
# A client gets this long to send a request's line and headers, and then its body: one that
# trickles them (a slow-loris) is cut off instead of holding a connection for ever.
DEFAULT_HEADER_TIMEOUT_SECONDS = 10
DEFAULT_BODY_TIMEOUT_SECONDS = 30
WILDCARD_BINDS = ("", "0.0.0.0", "::", "[::]")
# Addresses only this machine reaches; bound to anything else, reads need the token.
LOOPBACK_BINDS = ("127.0.0.1", "[::1]", "localhost")


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in TRUE_WORDS


def _hosts(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    return tuple(host.strip().lower() for host in raw.split(",") if host.strip())


def _positive_int(name: str, default: int, unit: str = "bytes") -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number of {unit}, not {raw!r}") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, not {value}")
    return value


@dataclass(frozen=True)
class ApiSettings:
    # Mutating endpoints need this bearer token; with none configured they are all refused.
    api_token: str | None = None
    # Read endpoints (and the page) need the token too.
    read_requires_token: bool = False
    # An execute through run-fix also needs this switch, so a token alone cannot write links.
    enable_fix: bool = False
    # The Dagster UI, for links from the page to a run.
    dagster_ui_url: str = "http://127.0.0.1:3000"
    # Host names the server answers to (DNS rebinding); "*.example.org" and "*" are accepted.
    allowed_hosts: tuple[str, ...] = (*LOCAL_HOSTS, TEST_CLIENT_HOST)
    # Larger request bodies are refused with 413 before they are parsed.
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    # Larger request heads (line and headers) are refused with 431 by the server (`serve`).
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    # A request's head must arrive within this many seconds (408, `serve`), its body within
    # this many more (408).
    header_timeout_seconds: float = DEFAULT_HEADER_TIMEOUT_SECONDS
    body_timeout_seconds: float = DEFAULT_BODY_TIMEOUT_SECONDS

    @classmethod
    def from_env(cls) -> "ApiSettings":
        return cls(
            api_token=os.environ.get("ORPHANS_API_TOKEN") or None,
            read_requires_token=_flag("ORPHANS_API_READ_REQUIRES_TOKEN"),
            enable_fix=_flag("ENABLE_ORPHANS_FIX"),
            dagster_ui_url=os.environ.get("ORPHANS_DAGSTER_UI_URL", cls.dagster_ui_url).rstrip("/"),
            allowed_hosts=_hosts("ORPHANS_API_ALLOWED_HOSTS", LOCAL_HOSTS),
            max_body_bytes=_positive_int("ORPHANS_API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            max_header_bytes=_positive_int(
                "ORPHANS_API_MAX_HEADER_BYTES", DEFAULT_MAX_HEADER_BYTES
            ),
            header_timeout_seconds=_positive_int(
                "ORPHANS_API_HEADER_TIMEOUT_SECONDS", DEFAULT_HEADER_TIMEOUT_SECONDS, "seconds"
            ),
            body_timeout_seconds=_positive_int(
                "ORPHANS_API_BODY_TIMEOUT_SECONDS", DEFAULT_BODY_TIMEOUT_SECONDS, "seconds"
            ),
        )

    def serving_on(self, bind_host: str) -> "ApiSettings":
        """These settings for a server bound to `bind_host` (`serve --host`): answering to that
        address too (unless it is any address), and, bound beyond the loopback interface,
        asking the token for reads whatever ORPHANS_API_READ_REQUIRES_TOKEN says: the queue
        shows names, phones and licences."""
        host = bind_host.strip().lower()
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        served = self
        if host not in LOOPBACK_BINDS:
            served = replace(served, read_requires_token=True)
        if host not in WILDCARD_BINDS and host not in served.allowed_hosts:
            served = replace(served, allowed_hosts=(*served.allowed_hosts, host))
        return served
