"""Execute one model on all items: one Prefect task per model, the calls inside it as coroutines."""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack

from prefect import task
from prefect.concurrency.asyncio import concurrency

from llmbench.execution import ModelRunner, RetryPolicy
from llmbench.progress import publish
from llmbench.types import DatasetItem, ModelConfig, ModelResult

__all__ = ["execute_model", "provider_limit_name", "shared_semaphore"]

_semaphores: dict[str, asyncio.Semaphore] = {}


def provider_limit_name(provider: str) -> str:
    return f"llmbench-provider-{provider}"


def shared_semaphore(run_key: str, size: int) -> asyncio.Semaphore:
    """One semaphore per run in this process, so all model tasks of a run share the cap on calls in flight."""
    return _semaphores.setdefault(run_key, asyncio.Semaphore(size))


@task(
    name="execute-model",
    task_run_name="execute {model.provider}/{model.model}",
    retries=2,
    retry_delay_seconds=[2, 10],
    cache_policy=None,
)
async def execute_model(
    model: ModelConfig,
    items: list[DatasetItem],
    policy: RetryPolicy,
    concurrency_limit: int,
    provider_slots: int | None,
    deadline: float,
    run_key: str,
) -> list[ModelResult]:
    """Call ``model`` on every item; rows finished before ``deadline`` (epoch seconds) are always returned.

    ``provider_slots`` slots of the provider's Prefect global concurrency limit are held for the whole task,
    so calls in flight per provider stay under the limit across flows and workers.
    """
    slots = min(concurrency_limit, len(items), provider_slots or concurrency_limit)
    runner = ModelRunner(
        model,
        policy=policy,
        semaphore=asyncio.Semaphore(slots),
        shared=shared_semaphore(run_key, concurrency_limit),
        on_result=publish,
    )
    async with AsyncExitStack() as stack:
        if provider_slots is not None:
            await stack.enter_async_context(concurrency(provider_limit_name(model.provider), occupy=slots, strict=True))
        remaining = max(0.0, deadline - time.time())
        try:
            return await asyncio.wait_for(runner.run(items), timeout=remaining)
        except TimeoutError:
            return runner.collect(items, "not finished before the overall timeout")
