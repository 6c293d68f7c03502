"""Each HTTP provider times a call from the moment it is sent, not from when it started waiting for a slot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from llmbench.execution import ModelRunner
from llmbench.scheduling import CallGate
from llmbench.types import DatasetItem, ModelConfig


@pytest.mark.parametrize("provider", ["openai", "anthropic", "ollama"])
def test_queue_time_is_not_latency(provider: str, make_config: Callable[..., ModelConfig]) -> None:
    items = [DatasetItem(id=f"q{i}", prompt="Why is the sky blue?") for i in range(4)]

    async def run() -> tuple[float, list[float]]:
        runner = ModelRunner(make_config(provider), semaphore=CallGate(1))  # one call at a time: the rest queue
        started = time.perf_counter()
        rows = await runner.run(items)
        return (time.perf_counter() - started) * 1000, [r.latency_ms or 0.0 for r in rows if r.success]

    wall_ms, latencies = asyncio.run(run())
    assert len(latencies) == 4
    # Calls ran one after another, so their own durations add up to less than the whole run. Had the providers
    # counted the wait for the slot, the sum would be about 2.5 times the run (1 + 2 + 3 + 4 call lengths).
    assert sum(latencies) <= wall_ms
