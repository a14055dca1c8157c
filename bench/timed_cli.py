"""`orphans-pipeline` itself (the same `orphans_pipeline.cli.main`, the same arguments and exit
status), with the wall-clock time of its parts written to $BENCH_MARKS (JSON) at the end:
the interpreter's start, the imports, and the start and end of the launch's calls (database
start, schema check, the code server started before Dagster's import, Dagster instance, code
server and workspace, reconcile, run creation and launch, the wait, the outcome, the code
server's shutdown). bench/fixed_cost.py lays them out
beside the run's own events (run worker, steps) from Dagster's event log.

Only functions that exist are timed: a CLI that has changed still runs, with fewer marks.
Usage: BENCH_MARKS=marks.json python bench/timed_cli.py fix --execute [--full]
"""

import time

MARKS: dict[str, float] = {"python": time.time()}  # before any import but the interpreter's

import importlib.abc  # noqa: E402
import importlib.machinery  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def mark(name: str) -> None:
    MARKS[name] = time.time()


def timed(owner: Any, attribute: str, name: str) -> None:
    """Replace owner.attribute (a function) by one that marks `name:start` and `name:end`."""
    original: Callable[..., Any] | None = getattr(owner, attribute, None)
    if original is None or not callable(original):
        return

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        mark(name + ":start")
        try:
            return original(*args, **kwargs)
        finally:
            mark(name + ":end")

    setattr(owner, attribute, wrapper)


class _AfterImport(importlib.abc.MetaPathFinder):
    """Calls `then(module)` once `name` is imported, by whoever imports it: the launch layer is
    timed from the moment `fix` itself imports it (after it started its code server), never
    imported here first, which would move Dagster's import ahead of that start."""

    def __init__(self, name: str, then: Callable[[Any], None]) -> None:
        self.name, self.then = name, then

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        loader, then = spec.loader, self.then
        original = loader.exec_module

        def exec_module(module: Any) -> None:
            original(module)
            then(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install() -> None:
    from orphans_pipeline.core import db, schema

    timed(db, "start_database", "start_database")
    timed(schema, "require_current", "require_current")
    try:
        from orphans_pipeline import code_server
    except ImportError:  # a CLI that starts no code server of its own
        pass
    else:
        timed(code_server, "start", "code_server_start")
    sys.meta_path.insert(0, _AfterImport("orphans_pipeline.launch", install_launch))


def install_launch(launch: Any) -> None:
    mark("dagster_imported")
    timed(launch, "reconcile", "reconcile")
    timed(launch, "create_run", "create_run")
    timed(launch, "create_and_launch", "create_and_launch")
    timed(launch, "wait_for_run", "wait_for_run")
    timed(launch, "outcome_of", "outcome_of")
    instance_class = getattr(launch, "_instance", None)
    if instance_class is not None:
        timed(instance_class, "__enter__", "instance")
        timed(instance_class, "__exit__", "instance_close")
    original_workspace = getattr(launch, "workspace", None)
    if original_workspace is not None:

        @contextmanager
        def workspace(*args: Any, **kwargs: Any) -> Iterator[Any]:
            mark("workspace:start")
            with original_workspace(*args, **kwargs) as context:
                mark("workspace:end")
                try:
                    yield context
                finally:
                    mark("workspace_close:start")
            mark("workspace_close:end")

        launch.workspace = workspace


def main() -> int:
    from orphans_pipeline import cli

    mark("cli_imported")
    install()
    status = 1
    try:
        status = cli.main(sys.argv[1:])
    finally:
        mark("main_returned")
        target = os.environ.get("BENCH_MARKS")
        if target:
            Path(target).write_text(json.dumps(MARKS))
    return status


if __name__ == "__main__":
    status = main()
    from orphans_pipeline import cli

    # The console script's own way out (cli.run), where the CLI has one.
    exit_now = getattr(cli, "exit_now", None)
    if exit_now is not None:
        exit_now(status)
    sys.exit(status)
