"""Files shipped beside the code: `sql/`, `dagster.yaml` and `workspace.yaml`.

The repository's top-level copies are the source of truth. A checkout (or an editable install)
reads them there; a wheel carries copies in `orphans_pipeline/_shipped/`, made by setup.py's
build step, so an installed package finds them from any working directory.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
BUILT_COPY = PACKAGE_DIR / "_shipped"
CHECKOUT = PACKAGE_DIR.parent
# What setup.py copies into the wheel, relative to the repository root.
SHIPPED = ("sql", "dagster.yaml", "workspace.yaml")


def shipped_path(name: str) -> Path:
    """The path of a shipped file or folder (`sql`, `dagster.yaml`, `workspace.yaml`)."""
    if name not in SHIPPED:
        raise ValueError(f"not a shipped file: {name!r} (one of {', '.join(SHIPPED)})")
    for base in (BUILT_COPY, CHECKOUT):
        if (base / name).exists():
            return base / name
    raise FileNotFoundError(
        f"{name} is neither in {BUILT_COPY} (a wheel) nor in {CHECKOUT} (a checkout): "
        "reinstall the package"
    )


def checkout_root() -> Path | None:
    """The repository root when the code runs from a checkout (an editable install), else None.

    A checkout keeps its embedded server, reports and Dagster home beside the code, as `make`
    does, so a command run by hand finds the data `make run` loaded.
    """
    if BUILT_COPY.exists() or not (CHECKOUT / "pyproject.toml").is_file():
        return None
    return CHECKOUT if (CHECKOUT / "sql").is_dir() else None
