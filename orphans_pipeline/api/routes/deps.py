"""What every router takes from the app: its database engine and its settings."""

from typing import Annotated

from fastapi import Depends, Request
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
