"""No process the CLI starts outlives it: `fix` whose databases vanish under its run ends, and
takes its code server (and that server's run worker) with it."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psutil
import pytest
from sqlalchemy import Engine

from orphans_pipeline.core import demo, faults, schema, settings
from orphans_pipeline.core import runs as core_runs
from orphans_pipeline_tests.conftest import DatabaseFactory, url_of
from orphans_pipeline_tests.ct4 import snapshot
from orphans_pipeline_tests.test_dagster import lock_holder_present, wait_until

CLI = str(Path(sys.executable).parent / "orphans-pipeline")
REPO = Path(__file__).resolve().parents[1]
TABLES = schema.CT4_TABLES + schema.OWNED_TABLES


def session_processes(session: int) -> list[psutil.Process]:
    """The live processes of a session. A command started with start_new_session leads one,
    and whatever it starts stays in it, even once reparented after the leader ended."""
    found = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error, OSError):
            if os.getsid(proc.pid) == session and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
    return found


def describe(processes: list[psutil.Process]) -> list[str]:
    described = []
    for proc in processes:
        with contextlib.suppress(psutil.Error):
            described.append(f"{proc.pid}: {' '.join(proc.cmdline())[:160]}")
    return described


def code_servers(session: int) -> list[psutil.Process]:
    servers = []
    for proc in session_processes(session):
        with contextlib.suppress(psutil.Error):
            if "api grpc" in " ".join(proc.cmdline()):
                servers.append(proc)
    return servers


def wait_for_none(session: int, seconds: float) -> list[psutil.Process]:
    deadline = time.monotonic() + seconds
    while session_processes(session) and time.monotonic() < deadline:
        time.sleep(1)
    return session_processes(session)


@contextlib.contextmanager
def killed_afterwards(process: subprocess.Popen[bytes]) -> Iterator[None]:
    """Whatever the test finds, nothing it started survives it (its own session only, by
    pid)."""
    try:
        yield
    finally:
        for proc in session_processes(process.pid):
            with contextlib.suppress(psutil.Error):
                proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)


def drop_database(admin_url: str, engine: Engine) -> None:
    import psycopg
    from psycopg import sql as psql

    engine.dispose()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            psql.SQL("drop database if exists {} with (force)").format(
                psql.Identifier(engine.url.database or "")
            )
        )


def isolated_environment(tmp_path: Path, ct4: Engine, storage: Engine) -> dict[str, str]:
    """A Dagster instance of its own (storage in `storage`), CT4 in `ct4`."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    reports = tmp_path / "reports"
    reports.mkdir()
    return {
        **os.environ,
        "DATABASE_URL": url_of(ct4),
        "DAGSTER_HOME": str(home),
        "ORPHANS_DAGSTER_STORAGE_URL": settings.with_driver(url_of(storage), "psycopg2"),
        "ORPHANS_DAGSTER_ARTIFACTS": str(tmp_path / "artifacts"),
        "ORPHANS_REPORTS_ROOT": str(reports),
    }


def paused_fix(
    module_databases: DatabaseFactory, tmp_path: Path, name: str, seed: int
) -> tuple[Engine, Engine, subprocess.Popen[bytes], Path]:
    """`fix --execute` on demo data of its own, whose run waits before its commit (every write
    done, its transaction open); returns CT4's engine, the storage's, the process and its log."""
    engine = module_databases.create(name)
    demo.load_demo_data(engine, 200, seed=seed)
    storage = module_databases.create(f"{name}_dagster", template="template0")
    env = isolated_environment(tmp_path, engine, storage)
    env |= {faults.FAULT_ENV: "before_commit", faults.ACTION_ENV: "pause"}
    log = tmp_path / "fix.log"
    with log.open("wb") as out:
        fix = subprocess.Popen(
            [CLI, "fix", "--execute"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return engine, storage, fix, log


def test_fix_whose_databases_vanish_ends_with_everything_it_started(
    module_databases: DatabaseFactory, admin_url: str, tmp_path: Path
) -> None:
    """The run waits mid-way (every write done, its transaction open); both databases, CT4's
    and the instance storage, are dropped under it. `fix` reports the lost database and ends;
    a minute later nothing it started runs: no code server, no run worker."""
    engine, storage, fix, log = paused_fix(module_databases, tmp_path, "vanish", 31)
    with killed_afterwards(fix):
        wait_until(lambda: lock_holder_present(engine, admin_url), 120, "the run mid-way")
        assert code_servers(fix.pid), "fix serves its code location from a code server"
        drop_database(admin_url, engine)
        drop_database(admin_url, storage)
        assert fix.wait(timeout=120) == 1
        left = wait_for_none(fix.pid, 60)
        assert left == [], describe(left)
    # Said as a lost database, not a traceback.
    assert "error: database:" in log.read_text().splitlines()[-1]


def test_fix_that_ends_leaves_nothing_running_and_runs_the_exit_handlers(
    module_databases: DatabaseFactory, tmp_path: Path
) -> None:
    """The console script's way out (cli.run): the interpreter leaves without tearing its
    modules down (an object of the script's module is never finalized); still, the exit status
    is the command's, what it printed is all there, the exit handlers ran, and the moment it has
    exited nothing it started runs. A command that fails keeps its status."""
    engine = module_databases.create("ends")
    demo.load_demo_data(engine, 200, seed=33)
    storage = module_databases.create("ends_dagster", template="template0")
    env = isolated_environment(tmp_path, engine, storage)
    script = (
        "import atexit\n"
        "class Module:\n"
        "    def __del__(self):\n"
        "        print('modules torn down', flush=True)\n"
        "kept = Module()\n"
        "atexit.register(print, 'exit handlers ran')\n"
        "from orphans_pipeline import cli\n"
        "cli.run(sys.argv[1:])\n"
    )
    command = [sys.executable, "-c", "import sys\n" + script]
    fix = subprocess.Popen(
        [*command, "fix", "--execute"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    with killed_afterwards(fix):
        out, _ = fix.communicate(timeout=180)
        left = session_processes(fix.pid)
        assert left == [], describe(left)
    text = out.decode()
    assert fix.returncode == 0, text
    assert "result: succeeded" in text and "quarantined" in text, text
    assert text.rstrip().endswith("exit handlers ran"), text[-500:]
    assert "modules torn down" not in text, text[-500:]
    missing = {**env, "DATABASE_URL": url_of(engine).replace("/orphans_ends_", "/gone_")}
    failed = subprocess.run(
        [*command, "fix"], env=missing, capture_output=True, text=True, timeout=120
    )
    assert failed.returncode == 1, failed
    assert "error: database:" in failed.stderr and "exit handlers ran" in failed.stdout, failed


def background(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`command` started with `&` by a shell script, as an operator's script would: without job
    control, the shell starts it with SIGINT ignored. The script leads a session of its own;
    it writes the command's pid to `<log>.pid` and exits with the command's status."""
    script = f'"$@" >{log} 2>&1 & echo $! >{log}.pid; wait $!'
    return subprocess.Popen(
        ["bash", "-c", script, "background", *command], env=env, start_new_session=True
    )


def pid_of(log: Path) -> int:
    wait_until(lambda: Path(f"{log}.pid").is_file(), 30, "the script started the command")
    return int(Path(f"{log}.pid").read_text())


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_fix_stopped_by_a_signal_cancels_its_run_and_leaves_nothing(
    module_databases: DatabaseFactory, admin_url: str, tmp_path: Path, signum: int
) -> None:
    """`fix --execute` started in the background by a script, stopped mid-run by SIGTERM or
    SIGINT: it ends (128 + the signal), its run is cancelled with nothing written, and none of
    its processes is left."""
    engine = module_databases.create("stopped")
    demo.load_demo_data(engine, 200, seed=37)
    storage = module_databases.create("stopped_dagster", template="template0")
    env = isolated_environment(tmp_path, engine, storage)
    env |= {faults.FAULT_ENV: "before_commit", faults.ACTION_ENV: "pause"}
    before = snapshot(engine, TABLES)
    log = tmp_path / "fix.log"
    script = background([CLI, "fix", "--execute"], env, log)
    with killed_afterwards(script):
        fix = pid_of(log)
        wait_until(lambda: lock_holder_present(engine, admin_url), 120, "the run mid-way")
        os.kill(fix, signum)
        assert script.wait(timeout=120) == 128 + signum, log.read_text()[-3000:]
        left = wait_for_none(script.pid, 60)
        assert left == [], describe(left)
    assert snapshot(engine, TABLES) == before
    [run] = runs_in(env)
    assert run.status == dg.DagsterRunStatus.CANCELED
    registry = core_runs.get_run(engine, run.run_id)
    assert registry is not None and registry["status"] == "failed"


def runs_in(env: dict[str, str]) -> list[dg.DagsterRun]:
    """The runs of the instance `env` describes."""
    with pytest.MonkeyPatch.context() as patch:
        for key in ("DAGSTER_HOME", "ORPHANS_DAGSTER_STORAGE_URL", "ORPHANS_DAGSTER_ARTIFACTS"):
            patch.setenv(key, env[key])
        with dg.DagsterInstance.get() as instance:
            return list(instance.get_runs())


def test_a_code_server_whose_parent_and_database_are_gone_exits(
    module_databases: DatabaseFactory, admin_url: str, tmp_path: Path
) -> None:
    """`fix` killed outright (SIGKILL: no clean-up of its own), then its databases dropped and
    its run worker dead with them: the code server it started, left without a parent, exits
    soon after, instead of waiting for ever on Dagster's lost clean-up."""
    engine, storage, fix, _ = paused_fix(module_databases, tmp_path, "orphaned", 41)
    with killed_afterwards(fix):
        wait_until(lambda: lock_holder_present(engine, admin_url), 120, "the run mid-way")
        [server] = code_servers(fix.pid)
        workers = [
            child for child in server.children() if "spawn_main" in " ".join(child.cmdline())
        ]
        assert workers, "the run executes in a worker the code server started"
        fix.kill()
        fix.wait()
        drop_database(admin_url, engine)
        drop_database(admin_url, storage)
        for worker in workers:
            worker.kill()
        # The watch ends it within about 15 s of its last worker; 150 s bounds a stuck one.
        _, alive = psutil.wait_procs([server], timeout=150)
        assert alive == [], describe(session_processes(fix.pid))


def test_only_a_heartbeat_watched_code_server_watches_its_parent() -> None:
    from orphans_pipeline.defs.lifetime import heartbeat_timeout

    managed = ["/venv/lib/dagster/__main__.py", "api", "grpc", "--lazy-load-user-code"]
    assert heartbeat_timeout([*managed, "--heartbeat", "--heartbeat-timeout", "45"]) == 45.0
    assert heartbeat_timeout([*managed, "--heartbeat"]) == 30.0
    # A deployment's own server (no heartbeat: its parent may be a container's init), the
    # webserver, the daemon, a run worker, this test: never.
    assert heartbeat_timeout(managed) is None
    assert heartbeat_timeout(["/venv/bin/dagster-daemon", "run"]) is None
    assert heartbeat_timeout(sys.argv) is None


def test_only_a_code_server_checks_its_runs_and_shutdown_every_twentieth_of_a_second(
    tmp_path: Path,
) -> None:
    """A code server (`api grpc`, any heartbeat) loading the location ticks every 0.05 s, so a
    server told to shut down ends within that, not at Dagster's next 0.5 s tick (its run
    workers, spawned with its command line, set it too, and run no server); the daemon, the
    CLI and the tests keep Dagster's tick (each probe loads the location in a process of its
    own)."""
    probe = (
        "import sys; sys.argv = {argv!r}; "
        "from orphans_pipeline import definitions; from dagster._grpc import server; "
        "definitions.orphans_definitions(); print(server.CLEANUP_TICK)"
    )
    managed = ["/venv/lib/dagster/__main__.py", "api", "grpc", "--lazy-load-user-code"]
    for argv, expected in (
        ([*managed, "--heartbeat"], "0.05"),
        (managed, "0.05"),
        (["/venv/bin/dagster-daemon", "run"], "0.5"),
        (["/venv/bin/orphans-pipeline", "fix"], "0.5"),
    ):
        done = subprocess.run(
            [sys.executable, "-c", probe.format(argv=argv)],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert (done.returncode, done.stdout.split()[-1:]) == (0, [expected]), done.stderr


def _sleep_briefly() -> None:
    time.sleep(0.3)


def test_the_wait_for_a_run_ends_as_a_run_worker_exits() -> None:
    """`fix` reads a run's end as its worker exits (a process multiprocessing spawned under
    it), not at its next poll: a pause without end returns once the worker has ended."""
    import math
    import multiprocessing
    import threading

    from orphans_pipeline import launch

    worker = multiprocessing.get_context("spawn").Process(target=_sleep_briefly)
    worker.start()
    try:
        assert worker.pid in [p.pid for p in launch._run_workers()]
        pause = threading.Thread(
            target=launch._pause_until_a_worker_ends, args=(math.inf,), daemon=True
        )
        pause.start()
        pause.join(timeout=60)
        assert not pause.is_alive()
        assert launch._ended(psutil.Process(worker.pid))
    finally:
        worker.join(timeout=60)
    assert worker.exitcode == 0


def test_a_process_that_loads_the_location_exits_with_its_objects_frozen(tmp_path: Path) -> None:
    """A code server or run worker loads the location through its entry point: at exit its
    objects are frozen (the collector's last passes over Dagster's objects cost each 0.6-0.9 s,
    which `fix` waited for), before the exit handlers registered earlier run (last in, first
    out), so those still run: this probe is one. Importing the module alone (the CLI, the API,
    the tests) changes nothing."""
    probe = (
        "import atexit, gc; "
        "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0, flush=True)); "
    )
    loads = probe + "from orphans_pipeline import definitions; definitions.orphans_definitions()"
    imports = probe + "import orphans_pipeline.definitions"
    for code, expected in ((loads, "frozen True"), (imports, "frozen False")):
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path
        )
        assert (done.returncode, done.stdout.splitlines()[-1:]) == (0, [expected]), done.stderr


def daemons(session: int) -> list[psutil.Process]:
    found = []
    for proc in session_processes(session):
        with contextlib.suppress(psutil.Error):
            if "_daemon" in " ".join(proc.cmdline()):
                found.append(proc)
    return found


def answers(base: str) -> bool:
    import httpx

    try:
        reply = httpx.get(f"{base}/server_info", headers={"Authorization": "Bearer t"}, timeout=2)
    except httpx.HTTPError:
        return False
    return reply.status_code == 200


def started_ui(
    module_databases: DatabaseFactory, tmp_path: Path
) -> tuple[subprocess.Popen[bytes], int, Path]:
    """`orphans-pipeline ui` started in the background by a script, answering; the script, the
    ui's pid and its log."""
    from orphans_pipeline_tests.browser import free_port

    engine = module_databases.create("ui")
    storage = module_databases.create("ui_dagster", template="template0")
    env = isolated_environment(tmp_path, engine, storage) | {"ORPHANS_API_TOKEN": "t"}
    port = free_port()
    log = tmp_path / "ui.log"
    script = background([CLI, "ui", "--port", str(port)], env, log)
    try:
        ui = pid_of(log)
        wait_until(lambda: answers(f"http://127.0.0.1:{port}"), 180, "the UI answers")
        wait_until(lambda: daemons(script.pid) and code_servers(script.pid), 120, "the daemon")
    except BaseException:
        for proc in session_processes(script.pid):
            with contextlib.suppress(psutil.Error):
                proc.kill()
        raise
    return script, ui, log


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_ui_in_the_background_stops_on_a_signal_with_everything_it_started(
    module_databases: DatabaseFactory, tmp_path: Path, signum: int
) -> None:
    """The UI, its code server, the daemon and the daemon's code server: a script's background
    `orphans-pipeline ui` told to stop (SIGTERM, or SIGINT, which the shell had it ignore)
    ends, and all of them with it."""
    script, ui, log = started_ui(module_databases, tmp_path)
    with killed_afterwards(script):
        os.kill(ui, signum)
        assert script.wait(timeout=120) == 128 + signum, log.read_text()[-3000:]
        left = wait_for_none(script.pid, 60)
        assert left == [], describe(left)


def test_ui_killed_outright_leaves_nothing_behind(
    module_databases: DatabaseFactory, tmp_path: Path
) -> None:
    """SIGKILL gives the UI no chance to stop anything: the kernel tells the daemon (it then
    stops its own code server), and the UI's code server ends by its heartbeat."""
    script, ui, _ = started_ui(module_databases, tmp_path)
    with killed_afterwards(script):
        os.kill(ui, signal.SIGKILL)
        left = wait_for_none(script.pid, 150)
        assert left == [], describe(left)


def test_serve_stopped_mid_run_cancels_its_run_and_leaves_nothing(
    module_databases: DatabaseFactory, admin_url: str, tmp_path: Path
) -> None:
    """The API's `run-fix` run in progress when `serve` is told to stop (SIGTERM, from a
    script's background): the run is cancelled with nothing written, `serve` ends, and so do
    its code server and the run worker."""
    import httpx

    from orphans_pipeline_tests.browser import free_port

    engine = module_databases.create("served")
    demo.load_demo_data(engine, 200, seed=43)
    storage = module_databases.create("served_dagster", template="template0")
    env = isolated_environment(tmp_path, engine, storage)
    env |= {
        faults.FAULT_ENV: "before_commit",
        faults.ACTION_ENV: "pause",
        "ORPHANS_API_TOKEN": "t",
        "ENABLE_ORPHANS_FIX": "true",
    }
    before = snapshot(engine, TABLES)
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1/identity/orphans"
    log = tmp_path / "serve.log"
    script = background([CLI, "serve", "--port", str(port)], env, log)
    with killed_afterwards(script):
        serve = pid_of(log)

        def up() -> bool:
            try:
                return httpx.get(f"{base}/metrics", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(up, 120, "serve answers")
        started = httpx.post(
            f"{base}/run-fix",
            json={"execute": True},
            headers={"Authorization": "Bearer t"},
            timeout=120,
        )
        assert started.status_code == 202, started.text
        wait_until(lambda: lock_holder_present(engine, admin_url), 120, "the run mid-way")
        os.kill(serve, signal.SIGTERM)
        assert script.wait(timeout=120) == 128 + signal.SIGTERM, log.read_text()[-3000:]
        left = wait_for_none(script.pid, 60)
        assert left == [], describe(left)
    assert snapshot(engine, TABLES) == before
    [run] = runs_in(env)
    assert run.run_id == started.json()["run_id"]
    assert run.status == dg.DagsterRunStatus.CANCELED
