"""The mock server in a child process, so the benchmark's own CPU figures count the client only."""

from __future__ import annotations

import multiprocessing
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

from llmbench.mock_server import MockModel, MockServerConfig
from llmbench.mock_server.runner import run_mock_server

__all__ = ["mock_server_process"]


def _serve(port: int, names: list[str], latency_ms: float) -> None:
    config = MockServerConfig(models=[MockModel(name=n, latency_ms=latency_ms) for n in names])
    run_mock_server("127.0.0.1", port, config)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def mock_server_process(names: list[str], latency_ms: float) -> Iterator[str]:
    """Yields the OpenAI base URL of a mock server serving ``names``, each answering in ``latency_ms``."""
    port = _free_port()
    process = multiprocessing.get_context("spawn").Process(target=_serve, args=(port, names, latency_ms), daemon=True)
    process.start()
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"mock server did not listen on port {port}") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.join(5)
