"""What every router takes from the app: its database engine, its settings, and the strict
JSON reading of request bodies."""

import json
import math
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import Engine

from orphans_pipeline.api.settings import ApiSettings

PREFIX = "/api/v1/identity/orphans"


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine()
    return engine


def settings_of(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


DatabaseEngine = Annotated[Engine, Depends(engine_of)]
Settings = Annotated[ApiSettings, Depends(settings_of)]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def strict_json(body: bytes) -> Any:
    """`body` as JSON as RFC 8259 defines it: NaN, Infinity and numbers beyond a float's range
    (`1e400`) are refused, as are integers Python will not convert and nesting too deep;
    each refusal is a JSONDecodeError, which FastAPI answers 422."""
    try:
        return json.loads(body, parse_constant=_no_constant, parse_float=_finite)
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError) as exc:
        raise json.JSONDecodeError(str(exc), body.decode("utf-8", "replace"), 0) from exc


class StrictJsonRequest(Request):
    async def json(self) -> Any:
        return strict_json(await self.body())


class StrictJsonRoute(APIRoute):
    """A route whose JSON body is read by `strict_json` (Python's json module takes `NaN`,
    `Infinity` and turns `1e400` into infinity; no answer could carry them back)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict


def api_router(**options: Any) -> APIRouter:
    """A router of the API: its routes read bodies as strict JSON."""
    return APIRouter(prefix=PREFIX, route_class=StrictJsonRoute, **options)
