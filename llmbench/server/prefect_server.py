"""The local Prefect server llmbench starts once in the background and every later command reuses.

Its database and settings live in ``<home>/prefect`` (``PREFECT_HOME``); its pid, port, log and start lock in
``<home>/server``. Starting is serialised by a file lock: several commands starting at once end up sharing one
server, the first one starts it while the others wait for it to answer. The port is fixed (``$LLMBENCH_PREFECT_PORT``,
default 4200) so the UI address stays the same; a port taken by anything else is a one-line error, never "address
already in use" from inside Prefect. The server runs Prefect's background services (the repossessor expires the
concurrency-slot leases of killed runs; a temporary Prefect server runs none).

This module starts the ``prefect`` command; it never imports Prefect.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from llmbench.errors import LocalServerError
from llmbench.home import HomePaths, home_paths
from llmbench.server.process import executable, pid_alive, port_is_free, spawn, stop_group, tail

__all__ = [
    "DEFAULT_PORT",
    "PORT_ENV",
    "LocalPrefectServer",
    "ServerStatus",
    "configured_port",
]

PORT_ENV = "LLMBENCH_PREFECT_PORT"
DEFAULT_PORT = 4200
HOST = "127.0.0.1"
#: A first start creates the database: ~10 s on 2 cores, up to ~25 s when the machine is busy.
START_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 20.0
_POLL_SECONDS = 0.2


def configured_port() -> int:
    """``$LLMBENCH_PREFECT_PORT`` or 4200; a bad value is a one-line error."""
    value = os.environ.get(PORT_ENV, "").strip()
    if not value:
        return DEFAULT_PORT
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise LocalServerError(f"{PORT_ENV}={value!r}: expected a port number 1–65535")
    return int(value)


class _State(BaseModel):
    """What ``<home>/server/prefect.json`` records of the server llmbench started."""

    pid: int
    port: int
    started_at: datetime


class ServerStatus(BaseModel):
    """Where the local server is and whether it answers."""

    running: bool
    healthy: bool
    pid: int | None
    port: int
    api_url: str
    ui_url: str
    prefect_home: Path
    log: Path
    started_at: datetime | None = None


def _await_exec(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Return once ``proc`` runs the ``prefect`` program (or has exited, which the caller reports)."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and not pid_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.01)


def _healthy(port: int, timeout: float = 2.0) -> bool:
    """Prefect's ``/api/health`` answers 200 (``http.client``: importing httpx would cost ~0.1 s per command)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", "/api/health")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


class LocalPrefectServer:
    """The server of one llmbench home. ``env`` is the environment the server process starts from."""

    def __init__(self, paths: HomePaths | None = None, port: int | None = None, env: Mapping[str, str] | None = None):
        self.paths = paths or home_paths()
        self.port = port if port is not None else configured_port()
        self._env = env
        directory = self.paths.server
        self.state_file = directory / "prefect.json"
        self.log_file = directory / "prefect.log"
        self.lock_file = directory / "prefect.lock"

    # -- state ---------------------------------------------------------------------------------------------

    def _state(self) -> _State | None:
        """The recorded server when its process still runs; a stale record is removed."""
        try:
            state = _State.model_validate_json(self.state_file.read_text())
        except (OSError, ValidationError, ValueError):
            return None
        if pid_alive(state.pid):
            return state
        self.state_file.unlink(missing_ok=True)
        return None

    def _record(self, state: _State) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(state.model_dump_json())
        os.replace(tmp, self.state_file)

    def status(self) -> ServerStatus:
        state = self._state()
        port = state.port if state else self.port
        return ServerStatus(
            running=state is not None,
            healthy=state is not None and _healthy(port),
            pid=state.pid if state else None,
            port=port,
            api_url=f"http://{HOST}:{port}/api",
            ui_url=f"http://{HOST}:{port}",
            prefect_home=self.paths.prefect_home,
            log=self.log_file,
            started_at=state.started_at if state else None,
        )

    # -- start / stop --------------------------------------------------------------------------------------

    def ensure_running(
        self, on_start: Callable[[str], None] | None = None, timeout: float = START_TIMEOUT_SECONDS
    ) -> ServerStatus:
        """The running server, started first when there is none. ``on_start`` hears why this command waits."""
        status = self.status()
        if status.healthy:
            return status  # the common case: one pid check and one local HTTP request, no lock
        from filelock import FileLock, Timeout

        self.paths.server.mkdir(parents=True, exist_ok=True)
        try:
            with FileLock(str(self.lock_file), timeout=timeout + STOP_TIMEOUT_SECONDS):
                return self._start_locked(on_start, timeout)
        except Timeout:
            raise LocalServerError(
                f"another llmbench command has been starting the local Prefect server for over {timeout:.0f} s; "
                f"see {self.log_file}"
            ) from None

    def _start_locked(self, on_start: Callable[[str], None] | None, timeout: float) -> ServerStatus:
        state = self._state()
        if state is not None:  # started by another command meanwhile, or still starting after it died
            if on_start and not _healthy(state.port):
                on_start("waiting for the local Prefect server another llmbench command started...")
            self._wait_healthy(state, timeout)
            return self.status()
        if not port_is_free(self.port, HOST):
            raise LocalServerError(
                f"port {self.port} is taken by another program, so llmbench cannot start its Prefect server there: "
                f"set {PORT_ENV} to a free port, or PREFECT_API_URL to use a server that is already running"
            )
        if on_start:
            first = not (self.paths.prefect_home / "prefect.db").exists()
            when = "first run only, ~10 s" if first else "~5 s"
            on_start(f"starting the local Prefect server ({when})...")
        proc = spawn(
            [executable("prefect"), "server", "start", "--host", HOST, "--port", str(self.port)],
            env=self._server_env(),
            log=self.log_file,
            cwd=self.paths.home,
        )
        state = _State(pid=proc.pid, port=self.port, started_at=datetime.now(UTC))
        try:
            # Until it has exec'd, the child's command line is this process's: recorded earlier, other commands
            # would take it for a dead server and remove the record.
            _await_exec(proc)
            self._record(state)
            self._wait_healthy(state, timeout, proc)
        except BaseException:
            stop_group(proc.pid, signal.SIGTERM, STOP_TIMEOUT_SECONDS)  # never leave a half-started orphan
            self.state_file.unlink(missing_ok=True)
            raise
        return self.status()

    def _server_env(self) -> dict[str, str]:
        env = dict(os.environ if self._env is None else self._env)
        env.pop("PREFECT_API_URL", None)  # the server is the API; a client setting must not confuse it
        self.paths.prefect_home.mkdir(parents=True, exist_ok=True)
        env.update(
            # `prefect server start --port` does not tell the UI: it would call the API on the default 4200.
            PREFECT_SERVER_API_HOST=HOST,
            PREFECT_SERVER_API_PORT=str(self.port),
            PREFECT_HOME=str(self.paths.prefect_home),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT="false",
            LLMBENCH_HOME=str(self.paths.home),
        )
        return env

    def _wait_healthy(self, state: _State, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
        deadline = time.monotonic() + timeout
        while not _healthy(state.port, timeout=1.0):
            exited = proc.poll() is not None if proc is not None else not pid_alive(state.pid)
            if exited:
                self.state_file.unlink(missing_ok=True)
                last = tail(self.log_file, 1).strip() or "no output"
                raise LocalServerError(f"the local Prefect server exited while starting ({last}); see {self.log_file}")
            if time.monotonic() > deadline:
                raise LocalServerError(
                    f"the local Prefect server did not answer within {timeout:.0f} s; see {self.log_file}"
                )
            time.sleep(_POLL_SECONDS)

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
        """Stop the server (and its services); True when one was running. Waits for a start in progress."""
        from filelock import FileLock

        if self._state() is None:
            return False
        with FileLock(str(self.lock_file), timeout=START_TIMEOUT_SECONDS + timeout):
            state = self._state()
            if state is None:
                return False
            stop_group(state.pid, signal.SIGTERM, timeout)
            self.state_file.unlink(missing_ok=True)
        return True
