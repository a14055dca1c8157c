"""Bearer-token checks: every mutating endpoint, and the read endpoints when configured."""

import hashlib
import hmac
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from orphans_pipeline.api.settings import ApiSettings

bearer = HTTPBearer(auto_error=False, description="The token in ORPHANS_API_TOKEN")
# The page's read session: an HttpOnly cookie (no script can read it) holding a value derived
# from the token, which opens reads only; the token itself is never put in a cookie.
READ_COOKIE = "orphans_read_session"
READ_COOKIE_PURPOSE = b"orphans_pipeline read session v1"


def read_session_value(token: str) -> str:
    """The read cookie's value for `token`: useless as a bearer token, and for any write."""
    return hmac.new(token.encode(), READ_COOKIE_PURPOSE, hashlib.sha256).hexdigest()


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
    if not _matches(session, read_session_value(settings.api_token)):
        raise _unauthorized("wrong or expired read session: save the token again")


def start_read_session(request: Request, response: Response, settings: ApiSettings) -> None:
    """Set the page's read cookie for a caller that proved the token in the header.

    HttpOnly (no script can read it), SameSite=Strict (no other site sends it), Secure over
    HTTPS, for the browser session only. Writes never accept it.
    """
    assert settings.api_token is not None
    response.set_cookie(
        READ_COOKIE,
        read_session_value(settings.api_token),
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
