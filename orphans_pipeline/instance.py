"""The environment Dagster's instance (dagster.yaml) reads: where its storage and files go.

Set by every entry point that starts Dagster (the CLI's `fix` and `ui`, the HTTP API), from
DATABASE_URL or the embedded server, so that dagster.yaml itself holds no secrets.
"""

import os
from pathlib import Path

from orphans_pipeline.core import settings

REPO_ROOT = Path(__file__).resolve().parents[1]


def prepare_dagster_environment() -> dict[str, str]:
    """Fill in DAGSTER_HOME and the ORPHANS_DAGSTER_* variables that are not set yet."""
    home = settings.orphans_home()
    databases = settings.resolve_databases()
    defaults = {
        # Dagster loses runs unless DAGSTER_HOME is an absolute, existing directory.
        "DAGSTER_HOME": str(REPO_ROOT),
        "ORPHANS_DAGSTER_STORAGE_URL": databases.dagster_storage_url,
        "ORPHANS_DAGSTER_ARTIFACTS": str(home / "dagster" / "storage"),
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    dagster_home = Path(os.environ["DAGSTER_HOME"]).resolve()
    if not (dagster_home / "dagster.yaml").is_file():
        raise settings.ConfigError(f"DAGSTER_HOME={dagster_home} has no dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    Path(os.environ["ORPHANS_DAGSTER_ARTIFACTS"]).mkdir(parents=True, exist_ok=True)
    return {key: os.environ[key] for key in defaults}
