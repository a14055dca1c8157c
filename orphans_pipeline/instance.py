"""The environment Dagster's instance (dagster.yaml) reads: where its storage and files go.

Set by every entry point that starts Dagster (the CLI's `fix` and `ui`, the HTTP API), from
DATABASE_URL or the embedded server, so that dagster.yaml itself holds no secrets.
"""

import os
from pathlib import Path

from orphans_pipeline.core import settings, storage
from orphans_pipeline.core.shipped import shipped_path

# The checkout's root (`make` sets DAGSTER_HOME to it); an installed package has none.
REPO_ROOT = Path(__file__).resolve().parents[1]
# The first line of a dagster.yaml this code wrote: such a copy follows the packaged one.
WRITTEN_MARK = (
    "# Written by orphans-pipeline from its packaged copy; delete this line to keep edits"
)


def install_dagster_yaml(dagster_home: Path) -> Path:
    """Write the packaged dagster.yaml into the default DAGSTER_HOME where it is absent.

    A copy this code wrote (it starts with WRITTEN_MARK) is refreshed when the package's
    changes; a dagster.yaml without the mark is the operator's and is left alone.
    """
    target = dagster_home / "dagster.yaml"
    wanted = f"{WRITTEN_MARK}\n{shipped_path('dagster.yaml').read_text(encoding='utf-8')}"
    if target.is_file():
        current = target.read_text(encoding="utf-8")
        if current == wanted or not current.startswith(WRITTEN_MARK):
            return target
    dagster_home.mkdir(parents=True, exist_ok=True)
    target.write_text(wanted, encoding="utf-8")
    return target


def dagster_home_ready() -> str | None:
    """DAGSTER_HOME, where the instance it describes can come up now (an absolute directory,
    a storage that takes a connection); None otherwise, when Dagster's own start of that
    instance is the one to report the problem."""
    home = os.path.expanduser(os.environ.get("DAGSTER_HOME", ""))
    url = os.environ.get("ORPHANS_DAGSTER_STORAGE_URL")
    if os.path.isabs(home) and os.path.isdir(home) and url and storage.storage_answers(url):
        return home
    return None


def prepare_dagster_environment() -> dict[str, str]:
    """Fill in DAGSTER_HOME and the ORPHANS_DAGSTER_* variables that are not set yet.

    DAGSTER_HOME defaults to `ORPHANS_HOME/dagster`, an absolute directory holding the packaged
    dagster.yaml; one the operator sets must hold a dagster.yaml already. The embedded server,
    when used, must be running (the entry point started it). A storage URL that would put
    Dagster's tables among CT4's is refused (core/storage.py).
    """
    config = settings.load()
    defaults = {
        # Dagster loses runs unless DAGSTER_HOME is an absolute, existing directory.
        "DAGSTER_HOME": str(config.dagster_home),
        "ORPHANS_DAGSTER_ARTIFACTS": str(config.orphans_home / "dagster" / "storage"),
    }
    if config.dagster_storage_url is None:
        defaults["ORPHANS_DAGSTER_STORAGE_URL"] = settings.resolve_databases(
            config
        ).dagster_storage_url
    if not os.environ.get("DAGSTER_HOME"):
        install_dagster_yaml(config.dagster_home)
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    dagster_home = Path(os.environ["DAGSTER_HOME"]).resolve()
    if not (dagster_home / "dagster.yaml").is_file():
        raise settings.ConfigError(f"DAGSTER_HOME={dagster_home} has no dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    Path(os.environ["ORPHANS_DAGSTER_ARTIFACTS"]).mkdir(parents=True, exist_ok=True)
    storage.check_dagster_storage(os.environ["ORPHANS_DAGSTER_STORAGE_URL"])
    keys = ("DAGSTER_HOME", "ORPHANS_DAGSTER_STORAGE_URL", "ORPHANS_DAGSTER_ARTIFACTS")
    return {key: os.environ[key] for key in keys}
