"""Bearer-token checks: every mutating endpoint, and the read endpoints when configured."""

import hmac
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from orphans_pipeline.api.settings import ApiSettings

bearer = HTTPBearer(auto_error=False, description="The token in ORPHANS_API_TOKEN")
TOKEN_COOKIE = "orphans_api_token"


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
    """Reads are open unless ORPHANS_API_READ_REQUIRES_TOKEN; the page may send a cookie."""
    if not settings.read_requires_token:
        return
    if settings.api_token is None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "reads require a token but ORPHANS_API_TOKEN is not set on the server",
        )
    given = credentials.credentials if credentials else request.cookies.get(TOKEN_COOKIE)
    if given is None:
        raise _unauthorized("missing bearer token (Authorization: Bearer <ORPHANS_API_TOKEN>)")
    if not _matches(given, settings.api_token):
        raise _unauthorized("wrong bearer token")


def reads_are_open() -> None:
    """Reads without a token: no security requirement is declared in the OpenAPI schema."""


Writer = Depends(require_writer)


def reader(settings: ApiSettings) -> Any:
    """The read endpoints' dependency, so the schema says truthfully whether they need a token."""
    return Depends(require_reader if settings.read_requires_token else reads_are_open)
