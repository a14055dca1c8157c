"""Launch orphans_fix_job (or orphans_dry_run_job) through the Dagster instance, as the UI does.

The layer above the definitions: the CLI's `fix` and the API's `run-fix` call it; it reads the
definitions and `defs/` and is imported by neither. The run is created from the workspace's code
location (`orphans_pipeline`, workspace.yaml), so it carries the same origin as a launchpad run
and shows under the job in the UI; the instance's run launcher (DefaultRunLauncher) starts it in
a run worker process of its own. The CLI waits for it; the API answers with its id and polls.
`instance.launch_run` starts the run at once, with no daemon: `make run` needs none. (Runs from
the launchpad and the schedule go through the daemon's queue, limited to one `orphans/pipeline`
run at a time.)

Before a launch, `reconcile` (defs/reconcile.py, shared with the daemon's dead-run sensor)
closes what dead workers left: a run whose worker is gone is reported failed to the instance
and closed in `orphans.runs`, so it never blocks the next one.
"""

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
import psutil
from dagster._core.remote_representation.grpc_server_registry import (
    GrpcServerEndpoint,
    GrpcServerRegistry,
)
from dagster._grpc.client import DagsterGrpcClient
from sqlalchemy import Engine

from orphans_pipeline import code_server
from orphans_pipeline.core import db, fix, runs, schema, storage
from orphans_pipeline.core.shipped import shipped_path
from orphans_pipeline.core.vocabulary import JobName, RunMode, RunTag
from orphans_pipeline.defs.jobs import check_results, error_text
from orphans_pipeline.defs.reconcile import (
    HOST_TAG,
    busy_run_ids,
    reconcile,
    settle_registry,
)
from orphans_pipeline.instance import dagster_home_ready

__all__ = [
    "LaunchOutcome",
    "busy_run_ids",
    "check_results",
    "create_and_launch",
    "create_run",
    "execute_in_this_process",
    "launch_fix_job",
    "reconcile",
    "settle_registry",
    "stop_process_tree",
    "stop_processes",
    "wait_for_run",
    "workspace",
]

LOG = logging.getLogger(__name__)
LOCATION = "orphans_pipeline"
POLL_SECONDS = 0.5
# Between two looks at whether a run worker of this process's code servers has ended: /proc
# only, no query (a run's end is then seen as its worker exits, not at the next poll).
WORKER_CHECK_SECONDS = 0.02
# Between two pings of a code server started before Dagster's import (Dagster's wait: 0.1 s).
PING_SECONDS = 0.02
# How long a code server told to shut down (its runs cancelled) may take before it is killed;
# the second when its instance storage is gone, a shutdown it never finishes.
SHUTDOWN_GRACE_SECONDS = 30.0
LOST_STORAGE_GRACE_SECONDS = 2.0


@dataclass
class LaunchOutcome:
    run_id: str
    execute: bool
    succeeded: bool
    registry: dict[str, Any] | None
    failed_checks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    checks: dict[str, bool] = field(default_factory=dict)
    status: str | None = None


def job_name_for(execute: bool) -> str:
    """A dry run is its own job: no views, no checks, so no check result is hidden."""
    # Plain strings: the name travels to the code location's server, whose serializer takes no
    # enums it does not know.
    return (JobName.FIX if execute else JobName.DRY_RUN).value


def run_config_for(
    execute: bool, limit: int | None, output_dir: str | None, full: bool = False
) -> dict[str, Any]:
    config: dict[str, Any] = {"limit": limit, "output_dir": output_dir}
    if full:  # only when asked, so an incremental run's config reads as it always did
        config["full"] = True
    return {"execute": True, **config} if execute else config


@contextmanager
def workspace(
    instance: dg.DagsterInstance, *, code_servers: "_CodeServers | None" = None, **options: Any
) -> Iterator[Any]:
    """The workspace of workspace.yaml (its code location served by a gRPC server process).

    Whichever way the block is left (its end, an error, Ctrl-C, SIGTERM), what the workspace
    started ends with it: the runs still executing in its code server are cancelled (Dagster's
    terminate: an execute rolls back), the server is told to shut down, and whatever of it is
    left after SHUTDOWN_GRACE_SECONDS is killed with its children. That last step matters:
    a code server whose instance storage vanished never finishes Dagster's shutdown (its
    clean-up thread dies on the lost database) and would otherwise run for ever; so when the
    storage is gone (its database dropped, its server silent), the wait is
    LOST_STORAGE_GRACE_SECONDS and the runs are cancelled over gRPC alone.

    `code_servers` (from `_code_servers_loading`) are servers already on their way: the
    workspace takes them as its own, and ends them as it would have ended those it started.
    """
    from dagster._core.workspace.context import WorkspaceProcessContext

    started_before = code_servers.started_before if code_servers else _children()
    # A context given a registry leaves it open at its exit: closed below, as its own would be.
    registry = code_servers.registry if code_servers else None
    context = WorkspaceProcessContext(
        instance, _workspace_target(), grpc_server_registry=registry, **options
    )
    try:
        yield context
    finally:
        servers = _code_servers_since(started_before)
        lost = _storage_lost()
        try:
            _cancel_current_runs(context, storage_lost=lost)
        finally:
            try:
                context.__exit__(None, None, None)
            finally:
                try:
                    if registry is not None:
                        registry.__exit__(None, None, None)
                finally:
                    stop_processes(
                        servers, LOST_STORAGE_GRACE_SECONDS if lost else SHUTDOWN_GRACE_SECONDS
                    )


def _workspace_target() -> Any:
    from dagster._core.workspace.load_target import WorkspaceFileTarget

    return WorkspaceFileTarget(paths=[str(shipped_path("workspace.yaml"))])


def _children() -> set[int]:
    return {child.pid for child in psutil.Process().children()}


def _code_servers_since(started_before: set[int]) -> list[psutil.Process]:
    return [
        child
        for child in psutil.Process().children()
        if child.pid not in started_before and _is_code_server(child)
    ]


@dataclass
class _CodeServers:
    started_before: set[int]  # this process's children before the servers
    registry: Any  # dagster's GrpcServerRegistry, holding them


class _PrestartedRegistry(GrpcServerRegistry):
    """Dagster's registry, handing out for workspace.yaml's location the code server `fix`
    started before importing Dagster (code_server.py). Any other origin, and that one if the
    server exits or does not answer within the registry's startup timeout, go the registry's
    own way: it starts a server as before and reports its errors as before."""

    def __init__(self, prestarted: code_server.PrestartedCodeServer, **settings: Any) -> None:
        super().__init__(**settings)
        self._prestarted: code_server.PrestartedCodeServer | None = prestarted
        self._adopted = False
        self._adopting = threading.Lock()
        self._closing = threading.Event()

    def close(self) -> None:
        """Interrupted: a server stopped mid-start is not replaced by one the registry would
        start (and wait for) while the command ends."""
        self._closing.set()

    def get_grpc_endpoint(self, code_location_origin: Any) -> GrpcServerEndpoint:
        with self._adopting:
            if self._prestarted is not None and _is_prestarted_target(code_location_origin):
                if self._adopted or self._answers(self._prestarted):
                    self._adopted = True
                    return GrpcServerEndpoint(
                        host="localhost", port=None, socket=self._prestarted.socket
                    )
                self._prestarted.stop()
                self._prestarted = None
        if self._closing.is_set():
            raise RuntimeError("the command is ending: no code server is started now")
        return super().get_grpc_endpoint(code_location_origin)

    def _answers(self, prestarted: code_server.PrestartedCodeServer) -> bool:
        client = DagsterGrpcClient(socket=prestarted.socket)
        deadline = time.monotonic() + self._startup_timeout
        while (
            prestarted.process.poll() is None
            and time.monotonic() < deadline
            and not self._closing.is_set()
        ):
            with suppress(Exception):  # not listening yet
                client.ping("")
                return True
            time.sleep(PING_SECONDS)
        return False

    def shutdown_all_processes(self) -> None:
        super().shutdown_all_processes()
        with self._adopting:
            prestarted, self._prestarted = self._prestarted, None
            if prestarted is None or prestarted.process.poll() is not None:
                return
            if not self._adopted:
                prestarted.stop()  # never asked for: no run of it to wait for
                return
            with suppress(Exception):  # gone already
                DagsterGrpcClient(socket=prestarted.socket).shutdown_server()


def _is_prestarted_target(origin: Any) -> bool:
    """Whether `origin` is the location code_server.py starts a server for: workspace.yaml's
    python_module, nothing else set (a workspace.yaml edited since gets the registry's own)."""
    from dagster._core.remote_origin import ManagedGrpcPythonEnvCodeLocationOrigin

    if not isinstance(origin, ManagedGrpcPythonEnvCodeLocationOrigin):
        return False
    target = origin.loadable_target_origin
    return (
        origin.location_name == code_server.LOCATION
        and target.module_name == code_server.MODULE
        and not (target.python_file or target.working_directory or target.attribute)
        and not (target.package_name or target.autoload_defs_module_name)
        # With an executable of its own, Dagster runs the server by another entry point.
        and target.executable_path is None
    )


@contextmanager
def _code_servers_loading(
    instance_ref: Any, prestarted: code_server.PrestartedCodeServer | None = None
) -> Iterator[_CodeServers | None]:
    """The workspace's code servers, started now on a thread, for `workspace(code_servers=)`.

    A code server takes about 1.5 s to start and load the definitions, nearly all of it in its
    own process; started before this process makes its Dagster instance, the two overlap. The
    registry is the one WorkspaceProcessContext would make for itself (from the instance's ref
    and dagster.yaml's code_servers settings). None where `instance_ref` is None: the workspace
    then starts its server itself. Whatever `workspace` has not ended (it never got to start,
    say) is ended here, the same way.
    """
    if instance_ref is None:
        yield None
        return
    from dagster._core.instance.config import DEFAULT_LOCAL_CODE_SERVER_STARTUP_TIMEOUT
    from dagster._core.workspace.context import WEBSERVER_GRPC_SERVER_HEARTBEAT_TTL
    from dagster._grpc.constants import INCREASE_TIMEOUT_DAGSTER_YAML_MSG
    from dagster._grpc.server import GrpcServerCommand

    code_server_settings = instance_ref.settings.get("code_servers") or {}
    started_before = prestarted.started_before if prestarted else _children()
    settings: dict[str, Any] = {
        "instance_ref": instance_ref,
        "server_command": GrpcServerCommand.API_GRPC,
        "heartbeat_ttl": WEBSERVER_GRPC_SERVER_HEARTBEAT_TTL,
        "startup_timeout": code_server_settings.get(
            "local_startup_timeout", DEFAULT_LOCAL_CODE_SERVER_STARTUP_TIMEOUT
        ),
        "log_level": "INFO",
        "wait_for_processes_on_shutdown": code_server_settings.get(
            "wait_for_local_processes_on_shutdown", False
        ),
        "additional_timeout_msg": INCREASE_TIMEOUT_DAGSTER_YAML_MSG,
    }
    registry = (
        _PrestartedRegistry(prestarted, **settings)
        if prestarted
        else GrpcServerRegistry(**settings)
    )

    def start() -> None:
        for origin in _workspace_target().create_origins():
            if registry.supports_origin(origin):
                # A server that does not start is kept by the registry as the origin's error,
                # which the workspace reports as the location's, as if it had started it.
                with suppress(Exception):
                    registry.get_grpc_endpoint(origin)

    starting = threading.Thread(target=start, name="orphans-code-servers", daemon=True)
    starting.start()
    try:
        yield _CodeServers(started_before, registry)
    except BaseException:
        # Interrupted (a signal, an error; the workspace above has already ended): a server
        # still starting is stopped now, not waited for (a start may take its whole
        # local_startup_timeout), and the thread waiting for it then ends with it.
        if isinstance(registry, _PrestartedRegistry):
            registry.close()
        stop_processes(_code_servers_since(started_before), LOST_STORAGE_GRACE_SECONDS)
        raise
    finally:
        starting.join()
        servers = _code_servers_since(started_before)
        try:
            registry.__exit__(None, None, None)  # a second time (after `workspace`) does nothing
        finally:
            if servers:
                stop_processes(
                    servers,
                    LOST_STORAGE_GRACE_SECONDS if _storage_lost() else SHUTDOWN_GRACE_SECONDS,
                )


def _early_instance_ref(given: dg.DagsterInstance | None) -> Any:
    """The ref of the instance `_instance(given)` makes, before it is made; None where that
    instance might not come: the storage does not answer, DAGSTER_HOME is not a directory. It
    then reports the problem as before, with no code server started (whose own report of it
    would be added to the command's output)."""
    from dagster._core.instance.ref import InstanceRef

    if given is not None:
        try:
            return given.get_ref()
        except Exception:  # an instance without a ref: the workspace refuses it, as before
            return None
    home = dagster_home_ready()
    if home is None:
        return None
    try:
        return InstanceRef.from_dir(home)
    except Exception:  # dagster.yaml does not parse: DagsterInstance.get says so
        return None


def _storage_lost() -> bool:
    """Whether the instance storage is gone: Dagster's own calls would then each retry for
    seconds before they fail."""
    url = os.environ.get("ORPHANS_DAGSTER_STORAGE_URL")
    return bool(url) and storage.storage_lost(url or "")


def _is_code_server(process: psutil.Process) -> bool:
    try:
        command = process.cmdline()
    except psutil.Error:
        return False
    return any(command[i : i + 2] == ["api", "grpc"] for i in range(len(command)))


def _cancel_current_runs(context: Any, *, storage_lost: bool) -> None:
    """Terminate the runs each code server is executing, as the UI's Terminate does (the run
    ends CANCELED); where the instance storage cannot be reached, ask the server over gRPC
    alone, which needs no database."""
    from dagster._core.remote_representation.code_location import GrpcServerCodeLocation
    from dagster._grpc.types import CancelExecutionRequest

    for entry in context.get_current_workspace().code_location_entries.values():
        location = entry.code_location
        if not isinstance(location, GrpcServerCodeLocation):
            continue
        try:
            run_ids = location.get_current_runs()
        except Exception:  # an unreachable server is dealt with by stop_processes
            LOG.warning("could not list the runs of %s", entry.origin.location_name, exc_info=True)
            continue
        for run_id in run_ids:
            if not storage_lost and _ended_through_instance(context, run_id):
                continue
            with suppress(Exception):
                location.client.cancel_execution(CancelExecutionRequest(run_id=run_id))


def _ended_through_instance(context: Any, run_id: str) -> bool:
    """Whether the instance terminated the run, or it has nothing left to cancel."""
    try:
        if context.instance.run_launcher.terminate(run_id):
            return True
        # A run already finished (the server lists it until it reaps its worker) has nothing
        # to cancel. Asking the server anyway waits out gRPC's 60 s on the ended worker's
        # cancel event, whose lock that worker may have died holding.
        run = context.instance.get_run_by_id(run_id)
        return run is not None and run.is_finished
    except Exception:
        LOG.warning("run %s: terminating it through the instance failed", run_id)
        return False


def stop_process_tree(pid: int, grace_seconds: float) -> None:
    """SIGTERM `pid`, then as `stop_processes`: its children of now are waited for and killed
    with it, even once it has ended and left them to init."""
    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]
        root.terminate()
    except psutil.Error:
        return
    stop_processes(tree, grace_seconds)


def stop_processes(processes: list[psutil.Process], grace_seconds: float) -> None:
    """Wait up to `grace_seconds` for `processes` to end by themselves, then kill what is left
    of them and of their children (their run workers, the log tails of those)."""
    _, alive = psutil.wait_procs(processes, timeout=grace_seconds)
    doomed: list[psutil.Process] = []
    for process in alive:
        try:
            doomed += [*process.children(recursive=True), process]
        except psutil.Error:
            continue
    if doomed:
        LOG.warning(
            "killing %s: still running %.0f s after their shutdown was asked",
            ", ".join(str(process.pid) for process in doomed),
            grace_seconds,
        )
    for process in doomed:
        with suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(doomed, timeout=10)


def create_and_launch(
    instance: dg.DagsterInstance,
    process_context: Any,
    *,
    execute: bool,
    limit: int | None,
    output_dir: str | None,
    tags: dict[str, str],
    full: bool = False,
) -> str:
    """Create the run from the code location's job and launch it; return its id."""
    run_id, request = create_run(
        instance,
        process_context,
        execute=execute,
        limit=limit,
        output_dir=output_dir,
        tags=tags,
        full=full,
    )
    instance.launch_run(run_id, request)
    return run_id


def create_run(
    instance: dg.DagsterInstance,
    process_context: Any,
    *,
    execute: bool,
    limit: int | None,
    output_dir: str | None,
    tags: dict[str, str],
    full: bool = False,
) -> tuple[str, Any]:
    """Create (not yet launch) the run from the code location's job; return its id and the
    workspace request to launch it with."""
    from dagster._core.definitions.selector import JobSubsetSelector

    request = process_context.create_request_context()
    error = request.get_code_location_error(LOCATION)
    if error is not None:
        raise RuntimeError(f"the code location {LOCATION} did not load: {error.message.strip()}")
    location = request.get_code_location(LOCATION)
    [repository] = location.get_repositories().values()
    remote_job = location.get_job(
        JobSubsetSelector(
            location_name=LOCATION,
            repository_name=repository.name,
            job_name=job_name_for(execute),
            op_selection=None,
        )
    )
    run_config = run_config_for(execute, limit, output_dir, full)
    plan = location.get_execution_plan(
        remote_job, run_config, step_keys_to_execute=None, known_state=None, instance=instance
    ).execution_plan_snapshot
    run = instance.create_run(
        job_name=remote_job.name,
        run_id=None,
        run_config=run_config,
        resolved_op_selection=remote_job.resolved_op_selection,
        step_keys_to_execute=plan.step_keys_to_execute,
        op_selection=None,
        status=None,
        root_run_id=None,
        parent_run_id=None,
        tags={
            **remote_job.tags,
            **tags,
            HOST_TAG: socket.gethostname(),
            RunTag.MODE.value: (RunMode.EXECUTE if execute else RunMode.DRY_RUN).value,
        },
        job_snapshot=remote_job.job_snapshot,
        execution_plan_snapshot=plan,
        parent_job_snapshot=remote_job.parent_job_snapshot,
        remote_job_origin=remote_job.get_remote_origin(),
        job_code_origin=remote_job.get_python_origin(),
        asset_selection=None,
        asset_check_selection=None,
        asset_graph=repository.asset_graph,
    )
    return run.run_id, request


def fix_job_definition() -> dg.JobDefinition:
    from orphans_pipeline.definitions import defs

    return defs.resolve_job_def(JobName.FIX)


def dry_run_job_definition() -> dg.JobDefinition:
    from orphans_pipeline.definitions import defs

    return defs.resolve_job_def(JobName.DRY_RUN)


def execute_in_this_process(
    *,
    execute: bool,
    limit: int | None = None,
    output_dir: str | None = None,
    lock_wait_seconds: float | None = None,
    instance: dg.DagsterInstance | None = None,
    full: bool = False,
) -> Any:
    """A run of the same job, with its own executor, in this process; returns Dagster's result.

    For the tests and the benchmark, which observe the steps from inside the process (the CT4
    database is DATABASE_URL's, as in a run worker). Operators' runs go through
    `launch_fix_job` or `create_and_launch`, into a run worker of their own.
    """
    job = fix_job_definition if execute else dry_run_job_definition
    config = run_config_for(execute, limit, output_dir, full)
    if execute and lock_wait_seconds is not None:
        config["lock_wait_seconds"] = lock_wait_seconds
    with _instance(instance) if instance else dg.DagsterInstance.ephemeral() as active:
        return dg.execute_job(
            dg.reconstructable(job), instance=active, run_config=config, raise_on_error=False
        )


# --- waiting and reading the outcome ------------------------------------------------------------


def wait_for_run(
    instance: dg.DagsterInstance, engine: Engine, run_id: str, *, check_every: float = 5.0
) -> dg.DagsterRun:
    """Poll the instance until the run ends; a run whose worker dies is reported failed."""
    last_check = time.monotonic()
    while True:
        run = instance.get_run_by_id(run_id)
        assert run is not None, f"run {run_id} vanished from the instance"
        if run.is_finished:
            settle_registry(instance, engine, run_id)
            return run
        if time.monotonic() - last_check > check_every:
            reconcile(instance, engine, run_id=run_id)
            last_check = time.monotonic()
        _pause_until_a_worker_ends(POLL_SECONDS)


def _pause_until_a_worker_ends(seconds: float) -> None:
    """Sleep `seconds`, or less: until a run worker of the code servers this process started
    ends. A run's worker exits right after its RUN_SUCCESS or RUN_FAILURE is stored, so the
    run's end is read then, not up to a poll later (0.25 s of every command, on average),
    and without polling Dagster's storage more often (each look is a query on the server the
    run shares: 0.7-1.6 s of its time per 1,000,000-driver run at a 0.1 s poll)."""
    workers = _run_workers()
    if not workers:
        time.sleep(seconds)
        return
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(_ended(worker) for worker in workers):
            return
        time.sleep(WORKER_CHECK_SECONDS)


def _run_workers() -> list[psutil.Process]:
    """The run workers under this process: the processes Dagster's code servers spawn for
    runs (multiprocessing's spawn; their resource trackers are started otherwise)."""
    workers = []
    for process in psutil.Process().children(recursive=True):
        try:
            command = " ".join(process.cmdline())
        except psutil.Error:
            continue
        if "spawn_main" in command:
            workers.append(process)
    return workers


def _ended(process: psutil.Process) -> bool:
    """Whether `process` has exited (a zombie its code server has not reaped yet included)."""
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        return True


def run_errors(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    errors: list[str] = []
    for record in instance.get_records_for_run(
        run_id, of_type={dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.RUN_FAILURE}
    ).records:
        event = record.event_log_entry.dagster_event
        assert event is not None
        failure = getattr(event.event_specific_data, "error", None)
        if event.is_step_failure and failure is not None:
            errors.append(f"{event.step_key}: {error_text(failure)}")
        elif event.event_type == dg.DagsterEventType.RUN_FAILURE and not errors:
            # A run that failed before its first step (its executor could not open the run's
            # database session) carries the cause itself.
            errors.append(error_text(failure) if failure else event.message or "the run failed")
    return errors


def outcome_of(
    instance: dg.DagsterInstance, engine: Engine, run: dg.DagsterRun, execute: bool
) -> LaunchOutcome:
    evaluations = check_results(instance, run.run_id)
    failed_checks = [
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in evaluations
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    return LaunchOutcome(
        run_id=run.run_id,
        execute=execute,
        succeeded=run.status == dg.DagsterRunStatus.SUCCESS and not failed_checks,
        registry=runs.get_run(engine, run.run_id),
        failed_checks=failed_checks,
        errors=run_errors(instance, run.run_id),
        checks={e.check_name: e.passed for e in evaluations},
        status=run.status.value,
    )


def launch_fix_job(
    *,
    execute: bool,
    limit: int | None,
    output_dir: str | None,
    instance: dg.DagsterInstance | None = None,
    launched_by: str = "cli",
    tags: dict[str, str] | None = None,
    confine_output_dir: bool = True,
    full: bool = False,
    prestarted: code_server.PrestartedCodeServer | None = None,
) -> LaunchOutcome:
    """Launch a run through the instance, wait for it, and return what it did.

    `confine_output_dir=False` is the operator's CLI: a relative directory is taken from the
    working directory, created if needed; the run's worker is told that directory is its
    reports root, since the run itself (as from the API or the launchpad) writes only there.
    `prestarted`: the code server the CLI started before importing Dagster, with
    `fix.launch_environment`'s variables (its caller stops it if it is left over).
    """
    if prestarted is not None and instance is not None:
        prestarted.stop()  # started for DAGSTER_HOME's instance, not the one given
        prestarted = None
    output_dir, environment = fix.launch_environment(
        execute=execute,
        limit=limit,
        output_dir=output_dir,
        confine_output_dir=confine_output_dir,
        full=full,
    )
    engine = db.get_engine()
    schema.require_current(engine)
    with (
        _environment(environment),  # first: the code server, its run worker inherit it
        _code_servers_loading(_early_instance_ref(instance), prestarted) as code_servers,
        _instance(instance) as active,
        workspace(active, code_servers=code_servers) as context,
    ):
        reconcile(active, engine)
        run_id = create_and_launch(
            active,
            context,
            execute=execute,
            limit=limit,
            output_dir=output_dir,
            tags={**(tags or {}), RunTag.LAUNCHED_BY.value: launched_by},
            full=full,
        )
        run = wait_for_run(active, engine, run_id)
        return outcome_of(active, engine, run, execute)


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set variables for this process and its children (the run worker), restored after."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class _instance:
    """The given instance, or the one DAGSTER_HOME describes (closed afterwards)."""

    def __init__(self, given: dg.DagsterInstance | None) -> None:
        self.given = given
        self.owned: dg.DagsterInstance | None = None

    def __enter__(self) -> dg.DagsterInstance:
        if self.given is not None:
            return self.given
        self.owned = dg.DagsterInstance.get()
        return self.owned

    def __exit__(self, *exc: object) -> None:
        if self.owned is not None:
            self.owned.dispose()
