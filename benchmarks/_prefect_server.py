"""A throwaway Prefect server for benchmarks that need one (``PREFECT_API_URL`` set means: use that one)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def flush_prefect_logs() -> None:
    """Send buffered flow logs before the temporary server goes away (else Prefect prints a connection error)."""
    import asyncio

    from prefect.logging.handlers import APILogHandler

    asyncio.run(APILogHandler.aflush())


@contextmanager
def _postgres_database() -> Iterator[str | None]:
    """A throwaway database on the local PostgreSQL (as in production), or None when it is not reachable."""
    if os.environ.get("LLMBENCH_BENCH_SQLITE"):
        yield None
        return
    try:
        import psycopg

        admin = psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3)
    except Exception:
        yield None
        return
    name = f"llmbench_bench_{os.getpid()}"
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def prefect_server() -> Iterator[str]:
    """Yields the API URL of a running server, starting a temporary one when none is configured.

    The temporary server uses the local PostgreSQL when it answers (set LLMBENCH_BENCH_SQLITE=1 for SQLite): on
    SQLite, concurrent writes get "database is locked" and the client retries after ~2 s (HTTP 503).
    """
    if os.environ.get("PREFECT_API_URL"):
        print(f"using the running Prefect server {os.environ['PREFECT_API_URL']}")
        yield os.environ["PREFECT_API_URL"]
        return
    with _postgres_database() as database, _start_server(database) as url:
        yield url


@contextmanager
def _start_server(database: str | None) -> Iterator[str]:
    port = _free_port()
    home = tempfile.mkdtemp(prefix="llmbench-bench-prefect-")
    env = {**os.environ, "PREFECT_HOME": home, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    if database:
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = database
    print(f"temporary Prefect server on port {port}, database: {'PostgreSQL' if database else 'SQLite'}")
    log = open(Path(home) / "server.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise RuntimeError(f"prefect server did not start; see {home}/server.log")
        os.environ["PREFECT_API_URL"] = url
        yield url
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
