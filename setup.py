"""The build step pyproject.toml cannot express: ship the repository's `sql/`, `dagster.yaml` and
`workspace.yaml` inside the package (as `orphans_pipeline/_shipped/`), so a wheel finds its
statements and Dagster files from any working directory while the top-level copies stay the
source of truth (orphans_pipeline/core/shipped.py reads either)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("sql", "dagster.yaml", "workspace.yaml")


class BuildPyWithShippedFiles(build_py):
    def run(self) -> None:
        super().run()
        # An editable install reads the checkout's own files: nothing to copy.
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "orphans_pipeline" / "_shipped"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in SHIPPED:
            source = ROOT / name
            if not source.exists():
                raise FileNotFoundError(f"{source} is missing: the package would not run")
            if source.is_dir():
                shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, target / name)


setup(cmdclass={"build_py": BuildPyWithShippedFiles})
