"""How the API answers what went wrong: the project's own refusals get their status codes; any
other exception is a bug, answered 500 with no detail (it is logged, with its stack).

Only the exceptions below are the caller's business. A `ValueError` raised anywhere else (an
internal bug) is never turned into a 400: it would tell the client its request was wrong.
"""

import json
import logging
import re
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orphans_pipeline.api.fix_runs import RunInProgress, RunNotFound
from orphans_pipeline.api.models import Problem
from orphans_pipeline.core import fix, review, schema, settings
from orphans_pipeline.core.locking import PipelineBusy

LOG = logging.getLogger(__name__)

# The project's refusals and their status codes. Starlette picks the handler of the closest
# class in an exception's MRO, so ReviewNotFound (a ReviewRefused) is a 404, not a 400.
REFUSALS: dict[type[Exception], int] = {
    review.ReviewRefused: status.HTTP_400_BAD_REQUEST,
    fix.InvalidRequest: status.HTTP_400_BAD_REQUEST,
    review.ReviewNotFound: status.HTTP_404_NOT_FOUND,
    RunNotFound: status.HTTP_404_NOT_FOUND,
    review.ReviewConflict: status.HTTP_409_CONFLICT,
    PipelineBusy: status.HTTP_409_CONFLICT,
    RunInProgress: status.HTTP_409_CONFLICT,
    # The server's configuration or schema is not ready: not the caller's fault, and no bug.
    settings.ConfigError: status.HTTP_503_SERVICE_UNAVAILABLE,
}
INTERNAL_ERROR = "internal server error (logged on the server)"

# What each status code means, for the OpenAPI `responses=` of the routes that can answer it.
MEANINGS = {
    400: "A request the core refuses (the message says why), a value the database cannot hold, "
    "or a Host name this server does not answer to",
    401: "Missing or wrong bearer token",
    403: "Refused by the server's settings (no ORPHANS_API_TOKEN, or executes disabled)",
    404: "No such driver in the quarantine, or no such run",
    408: "The request's body (or, under `serve`, its headers) did not arrive in time",
    409: "A pipeline run is in progress, or the data has moved on since (undo)",
    413: "Request body over ORPHANS_API_MAX_BODY_BYTES",
    431: "Request headers over ORPHANS_API_MAX_HEADER_BYTES (answered by `serve`)",
    500: "A bug: logged on the server; the body says no more",
    503: "The database cannot be reached, or its schema or the server's settings are not ready",
}
# Every route can answer these: the server and the middlewares (Host, body size and time,
# header size), authentication, a database that is down, a bug.
ALWAYS = (400, 401, 403, 408, 413, 431, 500, 503)


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses=` of a route that can also answer `codes`, besides ALWAYS."""
    return {
        code: {"model": Problem, "description": MEANINGS[code]}
        for code in sorted({*ALWAYS, *codes})
    }


# An absolute path inside a message (not the path part of a URL): the server's own layout,
# which remote callers have no business learning.
SERVER_PATH = re.compile(r"(?<![\w.:/~-])/[^\s'\"),;]+")
# A 422 names the fields; it echoes no more of the input than this.
EXCERPT_CHARS = 60
MAX_VALIDATION_ERRORS = 20


def without_server_paths(message: str) -> str:
    return SERVER_PATH.sub("<server path>", message)


def encodable(value: Any) -> Any:
    """`value` with every string made encodable as UTF-8: a lone surrogate a client sent
    (`"\\ud800"` in its JSON) is written as its escape, so echoing it never fails the answer."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {encodable(key): encodable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encodable(item) for item in value]
    return value


def problem(code: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": encodable(without_server_paths(detail))}, status_code=code)


def _excerpt(value: Any) -> Any:
    """The input of a validation error, cut short: a 422 never echoes a large body back."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", "replace")
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) <= EXCERPT_CHARS:
        return value if isinstance(value, str) else json.loads(text)
    return f"{text[:EXCERPT_CHARS]}… ({len(text)} characters)"


def _message(error: dict[str, Any]) -> str:
    """The error's message; a body that is not JSON also says why (`NaN is not a JSON
    value`), which FastAPI keeps apart."""
    message = str(error.get("msg", ""))
    why = (error.get("ctx") or {}).get("error")
    if error.get("type") == "json_invalid" and isinstance(why, str):
        message = f"{message}: {why}"
    return message[:200]


def short_errors(errors: Any) -> list[dict[str, Any]]:
    shown: list[dict[str, Any]] = [
        {
            "type": error.get("type"),
            "loc": list(error.get("loc", ())),
            "msg": _message(error),
            "input": _excerpt(error.get("input")),
        }
        for error in list(errors)[:MAX_VALIDATION_ERRORS]
    ]
    if len(errors) > MAX_VALIDATION_ERRORS:
        shown.append(
            {
                "type": "too_many_errors",
                "loc": [],
                "msg": f"{len(errors) - MAX_VALIDATION_ERRORS} more errors not shown",
                "input": None,
            }
        )
    return shown


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(
        {"detail": encodable(short_errors(exc.errors()))},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


async def _refused(request: Request, exc: Exception) -> JSONResponse:
    code = next(REFUSALS[kind] for kind in type(exc).__mro__ if kind in REFUSALS)
    return problem(code, str(exc))


async def _bad_value(request: Request, exc: Exception) -> JSONResponse:
    # A value the database cannot take (a NUL character in a text, for example): bad input.
    assert isinstance(exc, DataError)
    return problem(status.HTTP_400_BAD_REQUEST, f"bad input: {str(exc.orig).strip()}")


async def _database_down(request: Request, exc: Exception) -> JSONResponse:
    # One line, no SQL text: "run `orphans-pipeline db upgrade`" where the schema is missing.
    assert isinstance(exc, DBAPIError)
    try:
        engine = request.app.state.engine()
    except Exception:  # the database (or its settings) is what failed: say what it said
        engine = None
    return problem(
        status.HTTP_503_SERVICE_UNAVAILABLE, f"database: {schema.database_problem(engine, exc)}"
    )


def install_handlers(app: FastAPI) -> None:
    """The refusals' status codes, the short 422, and a 500 for anything else."""
    app.add_exception_handler(RequestValidationError, _invalid_request)
    for kind in REFUSALS:
        app.add_exception_handler(kind, _refused)
    app.add_exception_handler(DataError, _bad_value)
    app.add_exception_handler(DBAPIError, _database_down)


class InternalErrors:
    """Any exception no handler took is a bug: logged with its stack, answered 500 with a fixed
    message (no server path, no stack), inside the other middlewares so the answer still carries
    the security headers. An exception after the answer started can only end the connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            LOG.exception("internal error answering %s %s", scope["method"], scope["path"])
            if started:
                raise
            response = JSONResponse({"detail": INTERNAL_ERROR}, status_code=500)
            await response(scope, receive, send)
