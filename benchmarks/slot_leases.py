"""What holding provider slots costs on a real Prefect server: one renewed lease per run, or slots per call.

1,000 simulated calls of 100 ms at concurrency 50 (ideal 2 s), three ways:
- ``no slots``: the calls alone;
- ``one lease per run`` (what llmbench does): ``tasks.limits.hold_provider_slots`` takes 50 slots once as a lease
  renewed every 15 s and recorded in the store's slot registry, then the calls run;
- ``slots per call``: each call inside Prefect's ``concurrency(name, occupy=1)`` (acquire with a lease, a lease
  renewal thread, release).
Also the cost of one acquisition, renewal and release.
A server is started on the local PostgreSQL (SQLite with LLMBENCH_BENCH_SQLITE=1) unless PREFECT_API_URL is set.

    .venv/bin/python benchmarks/slot_leases.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from benchmarks._prefect_server import prefect_server

CALLS, CONCURRENCY, LATENCY_S = 1000, 50, 0.1
IDEAL_S = CALLS * LATENCY_S / CONCURRENCY


async def _calls(per_call: str | None) -> float:
    from prefect.concurrency.asyncio import concurrency

    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one() -> None:
        async with semaphore:
            if per_call is None:
                await asyncio.sleep(LATENCY_S)
                return
            async with concurrency(per_call, occupy=1, strict=True):
                await asyncio.sleep(LATENCY_S)

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(CALLS)))
    return time.perf_counter() - started


async def _single_operations(registry: object) -> dict[str, list[float]]:
    from prefect.client.orchestration import get_client

    from tasks.execute import provider_limit_name

    name = provider_limit_name("bench")
    timings: dict[str, list[float]] = {"acquire": [], "renew": [], "release": []}
    async with get_client() as client:
        for _ in range(20):
            t = time.perf_counter()
            response = await client.increment_concurrency_slots_with_lease([name], CONCURRENCY, "concurrency", 60)
            timings["acquire"].append(time.perf_counter() - t)
            lease = response.json()["lease_id"]
            t = time.perf_counter()
            await client.renew_concurrency_lease(lease, lease_duration=60)
            timings["renew"].append(time.perf_counter() - t)
            t = time.perf_counter()
            await client.release_concurrency_slots_with_lease(lease)
            timings["release"].append(time.perf_counter() - t)
    return timings


async def main() -> None:
    from llmbench.store import open_slot_registry
    from tasks.limits import hold_provider_slots, upsert_provider_limits

    await upsert_provider_limits({"bench": CONCURRENCY})
    registry = open_slot_registry()
    ops = await _single_operations(registry)
    print(
        "one operation against the server (median of 20): "
        + ", ".join(f"{k} {statistics.median(v) * 1000:.1f} ms" for k, v in ops.items())
    )
    rows = []
    for label in ("no slots", "one lease per run", "slots per call"):
        walls = []
        for _ in range(1 if label == "slots per call" else 2):  # per call takes minutes: once is enough
            started = time.perf_counter()
            if label == "one lease per run":
                async with hold_provider_slots({"bench": CONCURRENCY}, registry):
                    await _calls(None)
            else:
                await _calls("llmbench-provider-bench" if label == "slots per call" else None)
            walls.append(time.perf_counter() - started)
        rows.append((label, min(walls)))
    for label, wall in rows:
        print(f"{label:<18}: {CALLS} calls of {LATENCY_S * 1000:.0f} ms in {wall:.2f} s = {wall / IDEAL_S:.2f}× ideal")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LLMBENCH_HOME"] = tmp
        print(f"{os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f}); ideal {IDEAL_S:.1f} s")
        with prefect_server():
            asyncio.run(main())
