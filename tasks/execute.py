"""Execute one model on all items: one Prefect task per model, the calls inside it as coroutines."""

from __future__ import annotations

import asyncio
import time

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.states import State
from pydantic import SecretStr

from llmbench.evaluators import make_scorer
from llmbench.execution import ModelRunner, RetryPolicy
from llmbench.progress import publish
from llmbench.scheduling import CallGate
from llmbench.store import StoreSettings
from llmbench.types import DatasetItem, ModelConfig, ModelResult

__all__ = ["execute_model", "provider_limit_name", "release_semaphores", "shared_gate", "with_secret_block_key"]

_gates: dict[str, CallGate] = {}


def provider_limit_name(provider: str) -> str:
    return f"llmbench-provider-{provider}"


def shared_gate(key: str, size: int, expected_models: int) -> CallGate:
    """One gate per key in this process, so the model tasks of a run share their caps on calls in flight and take
    their slots in one fair, item-major order (see :mod:`llmbench.scheduling`)."""
    return _gates.setdefault(key, CallGate(size, expected_models=expected_models))


def release_semaphores(run_key: str) -> None:
    for key in [k for k in _gates if k.startswith(run_key)]:
        del _gates[key]


async def with_secret_block_key(model: ModelConfig) -> ModelConfig:
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
    cache_policy=NO_CACHE,
)
async def execute_model(
    model: ModelConfig,
    items: list[DatasetItem],
    policy: RetryPolicy,
    concurrency_limit: int,
    provider_slots: int,
    deadline: float,
    run_key: str,
    metrics: list[str],
    models_in_run: int = 1,
    provider_models: int = 1,
    store: StoreSettings | None = None,
    run_id: str | None = None,
) -> list[ModelResult]:
    """Call ``model`` on every item; rows finished before ``deadline`` (epoch seconds) are always returned.

    The flow holds ``provider_slots`` slots of the provider's Prefect global concurrency limit for the run; the
    run's model tasks share them (and the run's own ``concurrency_limit``) through in-process gates that open once
    the ``models_in_run`` model tasks (``provider_models`` of this provider) that start together have registered.
    Answers are scored with ``metrics`` (offline ones; the judge's come after) as they arrive, while slower calls
    are still in flight. With ``store``, pairs already done in run ``run_id`` and cached answers need no call, and
    each outcome is persisted as it completes: a Prefect retry of this task resumes where the failed attempt stopped.
    """
    model = await with_secret_block_key(model)
    journal = await asyncio.to_thread(store.journal, run_id) if store is not None else None
    runner = ModelRunner(
        model,
        policy=policy,
        semaphore=shared_gate(f"{run_key}:run", concurrency_limit, models_in_run),
        shared=(shared_gate(f"{run_key}:{model.provider}", provider_slots, provider_models),),
        on_result=publish,
        scorer=make_scorer(metrics) if metrics else None,
        journal=journal,
    )
    remaining = max(0.0, deadline - time.time())
    try:
        return await asyncio.wait_for(runner.run(items), timeout=remaining)
    except TimeoutError:
        return runner.collect(items, "not finished before the overall timeout")
