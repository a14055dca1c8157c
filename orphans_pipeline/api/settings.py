"""The API's settings, read from the environment once when the app is built."""

import os
from dataclasses import dataclass

TRUE_WORDS = ("1", "true", "yes", "on")


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in TRUE_WORDS


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

    @classmethod
    def from_env(cls) -> "ApiSettings":
        return cls(
            api_token=os.environ.get("ORPHANS_API_TOKEN") or None,
            read_requires_token=_flag("ORPHANS_API_READ_REQUIRES_TOKEN"),
            enable_fix=_flag("ENABLE_ORPHANS_FIX"),
            dagster_ui_url=os.environ.get("ORPHANS_DAGSTER_UI_URL", cls.dagster_ui_url).rstrip("/"),
        )
