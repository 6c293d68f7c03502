"""A Prefect server, the ``llmbench-local`` work pool, the deployments of ``prefect.yaml`` and a worker, on localhost.

``python -m deployments.local serve|stop|status`` (``make serve`` / ``make stop``); the end-to-end test drives the
same :class:`LocalStack`. The server and the worker run in the background, each in its own session so that ``stop``
can signal the whole process tree; pid files and logs live in ``<home>/.run/``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import httpx

__all__ = ["DEFAULT_PORT", "WORK_POOL", "LocalStack", "StackError", "main"]

WORK_POOL = "llmbench-local"
DEFAULT_PORT = 4200
#: A cold start on a new SQLite database takes up to ~25 s on 2 cores.
SERVER_START_TIMEOUT_SECONDS = 90.0
WORKER_START_TIMEOUT_SECONDS = 60.0
DEPLOY_TIMEOUT_SECONDS = 300.0
STOP_TIMEOUT_SECONDS = 20.0
PROJECT_DIR = Path(__file__).resolve().parent.parent


class StackError(RuntimeError):
    """A part of the local stack did not start; the message names its log file."""


def _prefect_bin() -> str:
    beside = Path(sys.executable).with_name("prefect")
    return str(beside) if beside.exists() else "prefect"


def _is_prefect_process(pid: int) -> bool:
    """Guards against a stale pid file whose pid now belongs to something else; True where /proc is unavailable."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return b"prefect" in cmdline


def _alive(pid: int) -> bool:
    # Reap it if it is our own child, or it would linger as a zombie that still "exists".
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _is_prefect_process(pid)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class LocalStack:
    """One Prefect server + work pool + deployments + worker, with all state under ``home``.

    ``env`` is the base environment of every child process (default: a copy of ``os.environ``); the stack adds
    ``PREFECT_API_URL``, ``PREFECT_HOME`` (kept when ``env`` has one, else ``<home>/.prefect``), ``LLMBENCH_HOME``,
    ``LLMBENCH_PROJECT_DIR`` (the pull step of prefect.yaml) and ``MLFLOW_TRACKING_URI`` (kept when set, else an
    SQLite store in ``home``). ``PREFECT_API_DATABASE_CONNECTION_URL`` passes through to the server.
    """

    def __init__(
        self,
        project_dir: Path | str = PROJECT_DIR,
        home: Path | str | None = None,
        port: int = DEFAULT_PORT,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.project_dir = Path(project_dir).resolve()
        self.home = Path(home if home is not None else self.project_dir).resolve()
        self.port = port
        self.run_dir = self.home / ".run"
        base = dict(os.environ if env is None else env)
        base.update(
            PREFECT_API_URL=self.api_url,
            PREFECT_HOME=base.get("PREFECT_HOME") or str(self.home / ".prefect"),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            LLMBENCH_HOME=str(self.home),
            LLMBENCH_PROJECT_DIR=str(self.project_dir),
            MLFLOW_TRACKING_URI=base.get("MLFLOW_TRACKING_URI") or f"sqlite:///{self.home / 'mlflow.db'}",
        )
        self.env = base
        self._procs: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.ui_url}/api"

    # -- processes -------------------------------------------------------------------------------------------

    def _pid_file(self, name: str) -> Path:
        return self.run_dir / f"{name}.pid"

    def log_file(self, name: str) -> Path:
        return self.run_dir / f"{name}.log"

    def pid(self, name: str) -> int | None:
        """The pid of ``server`` or ``worker`` when it is running, else None (a stale pid file is removed)."""
        try:
            pid = int(self._pid_file(name).read_text().strip())
        except (OSError, ValueError):
            return None
        if _alive(pid):
            return pid
        self._pid_file(name).unlink(missing_ok=True)
        return None

    def _spawn(self, name: str, args: list[str], env: Mapping[str, str] | None = None) -> int:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with self.log_file(name).open("ab") as log:
            log.write(f"\n--- {datetime.now(UTC).isoformat()} {' '.join(args)}\n".encode())
            log.flush()
            proc = subprocess.Popen(
                args,
                cwd=self.project_dir,
                env=dict(env or self.env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() signals the flow runs it started too
            )
        self._procs[name] = proc
        self._pid_file(name).write_text(f"{proc.pid}\n")
        return proc.pid

    def _exited(self, name: str, pid: int) -> bool:
        proc = self._procs.get(name)
        if proc is not None and proc.pid == pid:
            return proc.poll() is not None
        return not _alive(pid)

    def _stop(self, name: str, first: signal.Signals, timeout: float) -> bool:
        """``first`` to the process group, SIGKILL after ``timeout``; True when something was running."""
        pid = self.pid(name)
        if pid is None:
            return False
        _signal_group(pid, first)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not (self._exited(name, pid) and not _group_alive(pid)):
            time.sleep(0.1)
        if not self._exited(name, pid) or _group_alive(pid):
            _signal_group(pid, signal.SIGKILL)
            proc = self._procs.get(name)
            if proc is not None:
                proc.wait(timeout=10)
        self._procs.pop(name, None)
        self._pid_file(name).unlink(missing_ok=True)
        return True

    # -- steps -----------------------------------------------------------------------------------------------

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.api_url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def start_server(self, timeout: float = SERVER_START_TIMEOUT_SECONDS) -> None:
        if self.pid("server") is None:
            if self.healthy():
                raise StackError(f"another Prefect server already answers on port {self.port}: stop it or pick a port")
            args = [_prefect_bin(), "server", "start", "--host", "127.0.0.1", "--port", str(self.port)]
            self._spawn("server", args)
        deadline = time.monotonic() + timeout
        while not self.healthy():
            pid = self.pid("server")
            if pid is None:
                raise StackError(f"prefect server exited; {self.log_file('server')}:\n{_tail(self.log_file('server'))}")
            if time.monotonic() > deadline:
                raise StackError(f"prefect server not healthy after {timeout:.0f} s; see {self.log_file('server')}")
            time.sleep(0.25)

    async def _prepare(self) -> dict[str, int]:
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.actions import WorkPoolCreate
        from prefect.exceptions import ObjectAlreadyExists
        from prefect.settings import PREFECT_API_URL, temporary_settings
        from prefect.workers.process import ProcessWorker

        from llmbench.config import load_config
        from tasks.limits import upsert_provider_limits

        config_path = self.env.get("LLMBENCH_CONFIG")
        if not config_path and (self.project_dir / "llmbench.toml").is_file():
            config_path = str(self.project_dir / "llmbench.toml")
        config = load_config(config_path)
        with temporary_settings(updates={PREFECT_API_URL: self.api_url}):
            async with get_client() as client:
                pool = WorkPoolCreate(
                    name=WORK_POOL, type="process", base_job_template=ProcessWorker.get_default_base_job_template()
                )
                with contextlib.suppress(ObjectAlreadyExists):
                    await client.create_work_pool(pool)
            return await upsert_provider_limits(config.prefect.provider_concurrency)

    def prepare(self) -> dict[str, int]:
        """Create the work pool when missing and the provider concurrency limits (``llmbench setup``)."""
        return asyncio.run(self._prepare())

    def deploy(self, timeout: float = DEPLOY_TIMEOUT_SECONDS) -> None:
        """``prefect --no-prompt deploy --all`` from the project directory (its output goes to ``deploy.log``)."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_file("deploy")
        with log.open("wb") as out:
            done = subprocess.run(
                [_prefect_bin(), "--no-prompt", "deploy", "--all"],
                cwd=self.project_dir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        if done.returncode != 0:
            raise StackError(f"prefect deploy failed ({done.returncode}); {log}:\n{_tail(log)}")

    async def _worker_online(self, since: datetime) -> bool:
        from prefect.client.orchestration import get_client
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings(updates={PREFECT_API_URL: self.api_url}):
            async with get_client() as client:
                workers = await client.read_workers_for_work_pool(WORK_POOL)
        return any(w.last_heartbeat_time and w.last_heartbeat_time >= since for w in workers)

    def start_worker(self, timeout: float = WORKER_START_TIMEOUT_SECONDS) -> None:
        """Start the process worker unless running, and wait until it has sent its first heartbeat."""
        if self.pid("worker") is not None:
            return
        since = datetime.now(UTC).replace(microsecond=0)
        self._spawn("worker", [_prefect_bin(), "worker", "start", "--pool", WORK_POOL])
        deadline = time.monotonic() + timeout
        while not asyncio.run(self._worker_online(since)):
            if self.pid("worker") is None:
                raise StackError(f"prefect worker exited; {self.log_file('worker')}:\n{_tail(self.log_file('worker'))}")
            if time.monotonic() > deadline:
                raise StackError(f"prefect worker not online after {timeout:.0f} s; see {self.log_file('worker')}")
            time.sleep(0.5)

    # -- whole stack -----------------------------------------------------------------------------------------

    def running(self) -> bool:
        return self.pid("server") is not None and self.pid("worker") is not None

    def serve(self, echo: bool = False) -> dict[str, float]:
        """Start what is not running, deploy, and return the seconds each step took (empty if all was running)."""
        if self.running() and self.healthy():
            return {}
        timings: dict[str, float] = {}
        steps: list[tuple[str, Callable[[], object]]] = [
            ("server", self.start_server),
            ("setup", self.prepare),
            ("deploy", self.deploy),
            ("worker", self.start_worker),
        ]
        started = time.perf_counter()
        for name, step in steps:
            t0 = time.perf_counter()
            step()
            timings[name] = time.perf_counter() - t0
            if echo:
                print(f"  {name:<7} ready in {timings[name]:5.1f} s", flush=True)
        timings["total"] = time.perf_counter() - started
        return timings

    def stop(self) -> list[str]:
        """Worker first (SIGINT: it ignores SIGTERM for a long time), then the server; safe to call twice."""
        stopped = []
        if self._stop("worker", signal.SIGINT, STOP_TIMEOUT_SECONDS):
            stopped.append("worker")
        if self._stop("server", signal.SIGTERM, STOP_TIMEOUT_SECONDS):
            stopped.append("server")
        return stopped

    def status(self) -> dict[str, object]:
        return {
            "server_pid": self.pid("server"),
            "worker_pid": self.pid("worker"),
            "api_healthy": self.healthy(),
            "ui": self.ui_url,
            "logs": str(self.run_dir),
        }

    def __enter__(self) -> LocalStack:
        try:
            self.serve()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _next_steps(stack: LocalStack) -> str:
    uri = stack.env["MLFLOW_TRACKING_URI"]
    return "\n".join(
        [
            f"Prefect UI:  {stack.ui_url}",
            f"Run a flow:  PREFECT_API_URL={stack.api_url} prefect deployment run 'compare-models/compare'",
            "MLflow UI:   make mlflow-ui   (or: MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false mlflow ui "
            f"--backend-store-uri {uri} --host 127.0.0.1 --port 5000 --workers 1)",
            f"Logs:        {stack.run_dir}/   Stop: make stop",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deployments.local", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["serve", "stop", "status"])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PREFECT_PORT") or DEFAULT_PORT))
    parser.add_argument("--home", default=os.environ.get("LLMBENCH_HOME") or os.getcwd(), help="state and logs")
    args = parser.parse_args(argv)
    stack = LocalStack(PROJECT_DIR, home=args.home, port=args.port)
    if args.command == "stop":
        stopped = stack.stop()
        print(f"stopped {' and '.join(stopped)}" if stopped else "nothing was running")
        return 0
    if args.command == "status":
        for key, value in stack.status().items():
            print(f"{key:<11} {value}")
        return 0 if stack.running() else 1
    if stack.running() and stack.healthy():
        print(f"already running (server pid {stack.pid('server')}, worker pid {stack.pid('worker')})")
    else:
        print(f"starting Prefect on {stack.ui_url} (state in {stack.home})", flush=True)
        try:
            timings = stack.serve(echo=True)
        except StackError as error:
            print(f"error: {error}", file=sys.stderr)
            stack.stop()
            return 1
        print(f"ready in {timings['total']:.1f} s")
    print(_next_steps(stack))
    return 0


if __name__ == "__main__":
    sys.exit(main())
