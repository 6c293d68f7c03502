"""Does the shared HTTP layer keep up at high concurrency? 1000 calls of 100 ms through OpenAIProvider.

Why: plain httpx 0.28 (httpcore 1.0.9) spends its CPU on pool bookkeeping above ~20 requests in flight, so
latency figures of a comparison would measure the client, not the model. Target: wall time <= 1.3x the ideal
(calls x latency / concurrency) at concurrency 50 with the aiohttp transport.

The mock server runs in a child process so ``time.process_time`` counts the client's CPU only.

    .venv/bin/python benchmarks/transport.py [--calls 1000] [--latency-ms 100] [--concurrency 10 50]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from llmbench.mock_server import MockModel, MockServerConfig
from llmbench.mock_server.runner import run_mock_server
from llmbench.providers.http import DEFAULT_MAX_CONNECTIONS
from llmbench.providers.openai import OpenAIProvider
from llmbench.types import ChatMessage, GenerateRequest, ModelConfig

__all__ = ["Measurement", "main", "measure"]

TARGET_RATIO = 1.3
MODEL = "bench-model"
REQUEST = GenerateRequest(messages=[ChatMessage(role="user", content="Summarise the benefits of connection pooling.")])


@dataclass(frozen=True)
class Measurement:
    transport: str
    concurrency: int
    calls: int
    wall_s: float
    ideal_s: float
    cpu_ms_per_call: float

    @property
    def ratio(self) -> float:
        return self.wall_s / self.ideal_s


def _serve(port: int, latency_ms: float) -> None:
    config = MockServerConfig(models=[MockModel(name=MODEL, latency_ms=latency_ms)])
    run_mock_server("127.0.0.1", port, config)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_listening(port: int, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"mock server did not listen on port {port} within {timeout_s:g} s")


async def measure(
    base_url: str,
    transport_name: str,
    make_transport: Callable[[], httpx.AsyncBaseTransport | None],
    concurrency: int,
    calls: int,
    latency_ms: float,
) -> Measurement:
    """Time ``calls`` generate() calls with ``concurrency`` in flight, after a warm-up that opens the connections."""
    config = ModelConfig(provider="openai", model=MODEL, base_url=base_url, max_tokens=64)
    provider = OpenAIProvider(config, transport=make_transport())
    semaphore = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with semaphore:
            await provider.generate(REQUEST)

    try:
        await asyncio.gather(*(one() for _ in range(concurrency)))
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        await asyncio.gather(*(one() for _ in range(calls)))
        wall = time.perf_counter() - wall_started
        cpu = time.process_time() - cpu_started
    finally:
        await provider.aclose()
    ideal = calls * latency_ms / 1000 / concurrency
    return Measurement(transport_name, concurrency, calls, wall, ideal, cpu * 1000 / calls)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[10, 50])
    args = parser.parse_args(argv)

    transports: dict[str, Callable[[], httpx.AsyncBaseTransport | None]] = {
        "aiohttp (llmbench default)": lambda: None,
        "httpx default transport": lambda: httpx.AsyncHTTPTransport(),
    }
    port = _free_port()
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(port, args.latency_ms), daemon=True)
    server.start()
    results: list[Measurement] = []
    try:
        _wait_listening(port)
        base_url = f"http://127.0.0.1:{port}/v1"
        for name, make in transports.items():
            for concurrency in args.concurrency:
                results.append(asyncio.run(measure(base_url, name, make, concurrency, args.calls, args.latency_ms)))
                m = results[-1]
                print(
                    f"{m.transport:<28} concurrency {m.concurrency:>3}: {m.calls} calls in {m.wall_s:6.2f} s "
                    f"(ideal {m.ideal_s:5.2f} s, {m.ratio:4.2f}x), CPU {m.cpu_ms_per_call:5.2f} ms/call",
                    flush=True,
                )
    finally:
        server.terminate()
        server.join(5)
    print(f"(pool size {DEFAULT_MAX_CONNECTIONS}; mock server in a child process; target <= {TARGET_RATIO}x)")
    at_50 = [m for m in results if m.transport.startswith("aiohttp") and m.concurrency == 50]
    if at_50:
        met = all(m.ratio <= TARGET_RATIO for m in at_50)
        print(f"target at concurrency 50 with the aiohttp transport: {'met' if met else 'NOT met'}")
        return 0 if met else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
