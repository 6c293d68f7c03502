"""The call gate: calls of all models take their slots item by item, in a seeded order, whatever order they queue in."""

from __future__ import annotations

import asyncio
import time

import pytest

from llmbench.comparison import ComparisonEngine
from llmbench.execution import RetryPolicy
from llmbench.providers.sim import sim_stats
from llmbench.scheduling import CallGate
from llmbench.types import ComparisonConfig, DatasetItem, ModelConfig, SimSpec
from tasks.execute import execute_model, release_semaphores

ITEMS = [DatasetItem(id=f"q{i}", prompt=f"What is {i} + {i}?", reference=str(2 * i)) for i in range(6)]


def _sim(name: str) -> ModelConfig:
    return ModelConfig(provider="sim", model=name, simulation=SimSpec(latency_ms=2, jitter=0))


@pytest.fixture
def recorded():
    stats = sim_stats()
    stats.reset()
    stats.recording = True
    yield stats
    stats.recording = False
    stats.reset()


def _item_major(arrivals: list[tuple[str, str]], models: list[str]) -> bool:
    expected_items = [item.id for item in ITEMS for _ in models]
    return [item for _, item in arrivals] == expected_items


def test_the_engine_interleaves_models_item_by_item(recorded) -> None:
    models = [_sim("first"), _sim("second"), _sim("third")]
    config = ComparisonConfig(models=models, concurrency_limit=1, metrics=["coherence"])
    asyncio.run(ComparisonEngine(config).run(ITEMS))
    names = [m.identifier for m in models]
    arrivals = list(recorded.arrivals)
    assert _item_major(arrivals, names), arrivals  # not first's six calls, then second's, then third's
    for k in range(len(ITEMS)):  # every item once per model, in a seeded order that varies between items
        assert sorted(model for model, _ in arrivals[3 * k : 3 * k + 3]) == sorted(names)
    orders = {tuple(model for model, _ in arrivals[3 * k : 3 * k + 3]) for k in range(len(ITEMS))}
    assert len(orders) > 1
    recorded.reset()
    recorded.recording = True
    asyncio.run(ComparisonEngine(config).run(ITEMS))
    assert recorded.arrivals == arrivals  # the same seed, the same order


def test_prefect_model_tasks_share_one_gate(recorded) -> None:
    """execute-model's body (no Prefect run needed): two model tasks of one run interleave their calls."""
    models = [_sim("alpha"), _sim("beta")]

    async def run() -> None:
        args = (ITEMS, RetryPolicy(), 1, 1, time.time() + 60, "run-1", ["coherence"], 2, 2)
        try:
            await asyncio.gather(*(execute_model.fn(m, *args) for m in models))
        finally:
            release_semaphores("run-1")

    asyncio.run(run())
    assert _item_major(list(recorded.arrivals), [m.identifier for m in models])


def test_gate_opens_after_the_grace_when_a_model_never_registers() -> None:
    async def run() -> bool:
        gate = CallGate(1, expected_models=2, grace_seconds=0.05)
        gate.register("only")
        assert not gate.is_open
        async with gate.slot("only", 0):
            return gate.is_open

    assert asyncio.run(run())


def test_a_cancelled_waiter_gives_its_turn_to_the_next() -> None:
    async def run() -> list[str]:
        gate = CallGate(1)
        order: list[str] = []

        async def call(model: str, index: int) -> None:
            async with gate.slot(model, index):
                order.append(model)
                await asyncio.sleep(0.01)

        first = asyncio.create_task(call("a", 0))
        await asyncio.sleep(0)
        doomed = asyncio.create_task(call("b", 1))
        last = asyncio.create_task(call("c", 2))
        await asyncio.sleep(0)
        doomed.cancel()
        await asyncio.gather(first, last, return_exceptions=True)
        return order

    assert asyncio.run(run()) == ["a", "c"]


def test_a_gate_needs_a_slot() -> None:
    with pytest.raises(ValueError, match="at least one slot"):
        CallGate(0)
