"""Execute one model on all items: one Prefect task per model, the calls inside it as coroutines."""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack

from prefect import task
from prefect.concurrency.asyncio import concurrency
from prefect.states import State
from pydantic import SecretStr

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


async def _with_secret_block_key(model: ModelConfig) -> ModelConfig:
    """Load the key from the Prefect Secret block the config names; it stays a SecretStr, never a parameter."""
    if model.api_key_block is None or model.api_key is not None:
        return model
    from prefect.blocks.system import Secret

    block = await Secret.aload(model.api_key_block)
    return model.model_copy(update={"api_key": SecretStr(block.get())})


def _retry_unless_timed_out(task: object, task_run: object, state: State) -> bool:
    """Calls are already retried one by one inside the task; re-running a task that hit its timeout would only
    double the wait, so only infrastructure failures (e.g. the Prefect API) get a task-level retry."""
    return not isinstance(state.data, TimeoutError) and state.name != "TimedOut"


@task(
    name="execute-model",
    task_run_name="execute {model.provider}/{model.model}",
    retries=2,
    retry_delay_seconds=[2, 10],
    retry_condition_fn=_retry_unless_timed_out,
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
    model = await _with_secret_block_key(model)
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
