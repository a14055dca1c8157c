"""Bearer-token checks: every mutating endpoint, and the read endpoints when configured."""

import hashlib
import hmac
import secrets
import time
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from orphans_pipeline.api.settings import ApiSettings

bearer = HTTPBearer(auto_error=False, description="The token in ORPHANS_API_TOKEN")
# The page's read session: an HttpOnly cookie (no script can read it) that opens reads only,
# one per login, for a working day; the token itself is never put in a cookie.
READ_COOKIE = "orphans_read_session"
READ_COOKIE_PURPOSE = b"orphans_pipeline read session v2"
READ_SESSION_SECONDS = 8 * 60 * 60


def _signature(token: str, payload: str) -> str:
    message = READ_COOKIE_PURPOSE + b"\0" + payload.encode()
    return hmac.new(token.encode(), message, hashlib.sha256).hexdigest()


def new_read_session(token: str, now: float | None = None) -> str:
    """A read cookie's value: `expiry.nonce.signature`, the expiry in Unix seconds, a random
    nonce of its own (no two logins share a value), signed with the token (a new token ends
    every session). Useless as a bearer token, and for any write."""
    expires = int((time.time() if now is None else now) + READ_SESSION_SECONDS)
    payload = f"{expires}.{secrets.token_urlsafe(16)}"
    return f"{payload}.{_signature(token, payload)}"


def read_session_valid(token: str, value: str, now: float | None = None) -> bool:
    """Whether `value` is a read cookie this token signed that has not expired."""
    payload, _, signature = value.rpartition(".")
    expires = payload.partition(".")[0]
    if not expires.isdigit() or not _matches(signature, _signature(token, payload)):
        return False
    return int(expires) > (time.time() if now is None else now)


def api_settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


def _matches(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"}
    )


def require_writer(
    settings: Annotated[ApiSettings, Depends(api_settings)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """Only the Authorization header counts here: a cookie would let other sites post."""
    if settings.api_token is None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "ORPHANS_API_TOKEN is not set on the server: changes through the API are disabled",
        )
    if credentials is None:
        raise _unauthorized("missing bearer token (Authorization: Bearer <ORPHANS_API_TOKEN>)")
    if not _matches(credentials.credentials, settings.api_token):
        raise _unauthorized("wrong bearer token")


def require_reader(
    request: Request,
    settings: Annotated[ApiSettings, Depends(api_settings)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """Reads are open unless ORPHANS_API_READ_REQUIRES_TOKEN; the page may send its read
    session cookie (see `start_read_session`) instead of the header."""
    if not settings.read_requires_token:
        return
    if settings.api_token is None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "reads require a token but ORPHANS_API_TOKEN is not set on the server",
        )
    if credentials is not None:
        if not _matches(credentials.credentials, settings.api_token):
            raise _unauthorized("wrong bearer token")
        return
    session = request.cookies.get(READ_COOKIE)
    if session is None:
        raise _unauthorized("missing bearer token (Authorization: Bearer <ORPHANS_API_TOKEN>)")
    if not read_session_valid(settings.api_token, session):
        raise _unauthorized("wrong or expired read session: save the token again")


def start_read_session(request: Request, response: Response, settings: ApiSettings) -> None:
    """Set the page's read cookie for a caller that proved the token in the header.

    HttpOnly (no script can read it), SameSite=Strict (no other site sends it), Secure over
    HTTPS, a value of its own that expires after READ_SESSION_SECONDS (the browser drops it
    then too). Writes never accept it.
    """
    assert settings.api_token is not None
    response.set_cookie(
        READ_COOKIE,
        new_read_session(settings.api_token),
        max_age=READ_SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def reads_are_open() -> None:
    """Reads without a token: no security requirement is declared in the OpenAPI schema."""


Writer = Depends(require_writer)


def reader(settings: ApiSettings) -> Any:
    """The read endpoints' dependency, so the schema says truthfully whether they need a token."""
    return Depends(require_reader if settings.read_requires_token else reads_are_open)
