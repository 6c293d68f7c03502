"""The ``llmbench-local`` work pool, the deployments of ``prefect.yaml`` and a worker, on llmbench's local server.

``python -m deployments.local serve|stop|status`` (``make serve`` / ``make stop``); the end-to-end test drives the
same :class:`LocalStack`. The Prefect server is the one the CLI starts and reuses (:mod:`llmbench.server`), with its
state in the llmbench home, so ``make serve``, ``make run`` and the CLI all see the same flow runs. The worker runs
in the background in its own session so that ``stop`` can signal the flow runs it started too; its pid file and
log sit beside the server's in ``<home>/server/``.
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

from llmbench.errors import LLMBenchError
from llmbench.home import home_paths, llmbench_home
from llmbench.links import MLFLOW_PORT_ENV
from llmbench.server import LocalPrefectServer, configured_port
from llmbench.server.process import executable, read_pid, spawn, stop_group, tail

__all__ = ["WORK_POOL", "LocalStack", "StackError", "main"]

WORK_POOL = "llmbench-local"
WORKER_START_TIMEOUT_SECONDS = 60.0
DEPLOY_TIMEOUT_SECONDS = 300.0
STOP_TIMEOUT_SECONDS = 20.0
PROJECT_DIR = Path(__file__).resolve().parent.parent


class StackError(RuntimeError):
    """A part of the local stack did not start; the message names its log file."""


class LocalStack:
    """Work pool + deployments + worker on the local Prefect server of ``home`` (default: the llmbench home).

    ``env`` is the base environment of every child process (default: a copy of ``os.environ``); the stack adds
    ``PREFECT_API_URL``, ``PREFECT_HOME`` (the server's, in the home), ``LLMBENCH_HOME``, ``LLMBENCH_PROJECT_DIR``
    (the pull step of prefect.yaml) and ``MLFLOW_TRACKING_URI`` (kept when set, else the home's SQLite store).
    ``PREFECT_API_DATABASE_CONNECTION_URL`` passes through to the server.
    """

    def __init__(
        self,
        project_dir: Path | str = PROJECT_DIR,
        home: Path | str | None = None,
        port: int | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.project_dir = Path(project_dir).resolve()
        self.paths = home_paths(Path(home) if home is not None else llmbench_home())
        self.home = self.paths.home
        self.run_dir = self.paths.server
        base = dict(os.environ if env is None else env)
        self.server = LocalPrefectServer(self.paths, port=port if port is not None else configured_port(), env=base)
        base.update(
            PREFECT_API_URL=self.api_url,
            PREFECT_HOME=str(self.paths.prefect_home),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            LLMBENCH_HOME=str(self.home),
            LLMBENCH_PROJECT_DIR=str(self.project_dir),
            MLFLOW_TRACKING_URI=base.get("MLFLOW_TRACKING_URI") or self.paths.mlflow_uri,
        )
        self.env = base
        self._worker: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        return self.server.status().port  # the running server's, else the configured one

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.ui_url}/api"

    def log_file(self, name: str) -> Path:
        return self.server.log_file if name == "server" else self.run_dir / f"{name}.log"

    def pid(self, name: str) -> int | None:
        """The pid of ``server`` or ``worker`` when it is running, else None."""
        if name == "server":
            return self.server.status().pid
        return read_pid(self.run_dir / f"{name}.pid")

    # -- steps -----------------------------------------------------------------------------------------------

    def healthy(self) -> bool:
        return self.server.status().healthy

    def start_server(self) -> None:
        """Reuse the home's server, or start it (the same one ``llmbench`` commands use)."""
        try:
            status = self.server.ensure_running()
        except LLMBenchError as error:
            raise StackError(str(error)) from None
        self.env["PREFECT_API_URL"] = status.api_url

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
                [executable("prefect"), "--no-prompt", "deploy", "--all"],
                cwd=self.project_dir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        if done.returncode != 0:
            raise StackError(f"prefect deploy failed ({done.returncode}); {log}:\n{tail(log, 30)}")

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
        log = self.log_file("worker")
        self._worker = spawn(
            [executable("prefect"), "worker", "start", "--pool", WORK_POOL], env=self.env, log=log, cwd=self.project_dir
        )
        (self.run_dir / "worker.pid").write_text(f"{self._worker.pid}\n")
        deadline = time.monotonic() + timeout
        while not asyncio.run(self._worker_online(since)):
            if self._worker.poll() is not None:
                raise StackError(f"prefect worker exited; {log}:\n{tail(log, 30)}")
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
        stopped = ["worker"] if self.stop_worker() else []
        if self.server.stop(STOP_TIMEOUT_SECONDS):
            stopped.append("server")
        return stopped

    def stop_worker(self) -> bool:
        """SIGINT to the worker's process group (it ignores SIGTERM for a long time); True when one ran."""
        worker = self.pid("worker")
        if worker is None:
            return False
        stop_group(worker, signal.SIGINT, STOP_TIMEOUT_SECONDS)
        (self.run_dir / "worker.pid").unlink(missing_ok=True)
        return True

    def status(self) -> dict[str, object]:
        server = self.server.status()
        return {
            "server_pid": server.pid,
            "worker_pid": self.pid("worker"),
            "api_healthy": server.healthy,
            "ui": server.ui_url,
            "home": str(self.home),
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
    mlflow_port = stack.env.get(MLFLOW_PORT_ENV) or "5000"
    return "\n".join(
        [
            f"Prefect UI:  {stack.ui_url}   (llmbench commands use this server too)",
            f"Run a flow:  PREFECT_API_URL={stack.api_url} prefect deployment run 'compare-models/compare'",
            f"MLflow UI:   make mlflow-ui   (http://127.0.0.1:{mlflow_port}; or: "
            f"MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false mlflow ui --backend-store-uri {uri} --host 127.0.0.1 "
            f"--port {mlflow_port} --workers 1)",
            f"State:       {stack.home}/   Logs: {stack.run_dir}/   Stop: make stop",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deployments.local", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["serve", "stop", "status"])
    parser.add_argument("--port", type=int, default=None, help="server port (default $LLMBENCH_PREFECT_PORT or 4200)")
    parser.add_argument("--home", default=None, help="state and logs (default $LLMBENCH_HOME or ~/.llmbench)")
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
            stack.stop_worker()  # the server stays: llmbench commands may be using it
            return 1
        print(f"ready in {timings['total']:.1f} s")
    print(_next_steps(stack))
    return 0


if __name__ == "__main__":
    sys.exit(main())
