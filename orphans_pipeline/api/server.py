"""The HTTP server `orphans-pipeline serve` runs the app in: uvicorn, with its h11 protocol.

uvicorn's default protocol (httptools, where installed) buffers a request's headers without a
bound before anything can look at them, and waits for ever for a client that sends its
headers a byte at a time. Here:

- a request's line and headers are bounded (ApiSettings.max_header_bytes, h11's buffer):
  beyond it the answer is 431 and the connection is closed, so the server stops reading and
  its memory does not grow with a huge header, before any authentication;
- the line and headers must arrive within ApiSettings.header_timeout_seconds of the connection
  (or of the previous answer on it): else 408 and the connection is closed (the body has its
  own deadline, in `security.BodySizeLimit`);
- the access log shows a query string's parameter names, and the values only of the queue's
  harmless parameters: a token pasted into a URL never reaches the log.
"""

import asyncio
import logging
from http import HTTPStatus
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from orphans_pipeline.api.security import API_POLICY
from orphans_pipeline.api.settings import ApiSettings

ACCESS_LOGGER = "uvicorn.access"
# The page's and the API's query parameters whose values say nothing personal nor secret.
SHOWN_PARAMETERS = frozenset({"page", "page_size", "status", "detected_reason", "sort"})
HIDDEN = "…"


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's head, and 431 (not 400) for a
    head over h11's buffer."""

    head_timeout_seconds: float = ApiSettings.header_timeout_seconds

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._head_deadline: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._stop_head_deadline()  # a whole head arrived (or the connection failed)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._await_head()  # the next request on this connection gets the same time

    def send_400_response(self, msg: str) -> None:
        # h11 keeps what it could not parse in its buffer; more than its limit there means the
        # one error it raises for a head too large ("Receive buffer too long").
        limit = self.config.h11_max_incomplete_event_size
        if limit is not None and len(self.conn.trailing_data[0]) > limit:
            self._answer_and_close(431, f"request headers too large: at most {limit} bytes")
        else:
            self._answer_and_close(400, msg)

    def _await_head(self) -> None:
        self._stop_head_deadline()
        self._head_deadline = self.loop.call_later(self.head_timeout_seconds, self._head_late)

    def _stop_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_late(self) -> None:
        self._head_deadline = None
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self.logger.warning("request headers not received within the deadline: closed")
            seconds = f"{self.head_timeout_seconds:g}"
            self._answer_and_close(408, f"request headers not received within {seconds} s")

    def _answer_and_close(self, status: int, message: str) -> None:
        """A whole answer written as it is (h11 may not send one in the state the request
        left it in), with the app's security headers, then the connection closed: nothing
        more of the request is read."""
        body = message.encode()
        head = (
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
            "content-type: text/plain; charset=utf-8\r\n"
            f"content-length: {len(body)}\r\n"
            f"content-security-policy: {API_POLICY}\r\n"
            "x-frame-options: DENY\r\n"
            "x-content-type-options: nosniff\r\n"
            "referrer-policy: no-referrer\r\n"
            "cache-control: no-store\r\n"
            "connection: close\r\n\r\n"
        )
        self.transport.write(head.encode() + body)
        self.transport.close()


def without_query_values(target: str) -> str:
    """`target` (a path with its query) with the values of its query hidden, but for the
    SHOWN_PARAMETERS': `/x?token=abc&page=2` -> `/x?token=…&page=2`."""
    path, mark, query = target.partition("?")
    if not mark:
        return target
    shown = []
    for pair in query.split("&"):
        name, equals, _value = pair.partition("=")
        hidden = f"{name}={HIDDEN}" if equals else name
        shown.append(pair if name in SHOWN_PARAMETERS else hidden)
    return f"{path}?{'&'.join(shown)}"


class QueryValuesHidden(logging.Filter):
    """Hides query values in uvicorn's access lines (their arguments: client, method, path
    with its query, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                without_query_values(arg) if isinstance(arg, str) and "?" in arg else arg
                for arg in record.args
            )
        return True


def hide_query_values(logger: logging.Logger) -> None:
    if not any(isinstance(f, QueryValuesHidden) for f in logger.filters):
        logger.addFilter(QueryValuesHidden())


def server_config(app: Any, settings: ApiSettings, host: str, port: int) -> uvicorn.Config:
    """uvicorn's configuration for `app` under `settings`' bounds (see the module's doc)."""
    protocol = type(
        "BoundedH11Protocol",
        (BoundedH11Protocol,),
        {"head_timeout_seconds": settings.header_timeout_seconds},
    )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        http=protocol,
        h11_max_incomplete_event_size=settings.max_header_bytes,
    )
    # After the Config: creating it applies uvicorn's logging configuration.
    hide_query_values(logging.getLogger(ACCESS_LOGGER))
    return config


def serve(app: Any, settings: ApiSettings, host: str, port: int) -> None:
    uvicorn.Server(server_config(app, settings, host, port)).run()
