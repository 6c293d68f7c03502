"""The steps every comparison and benchmark share: execute each model, evaluate, rank, analyse."""

from __future__ import annotations

import asyncio
import time
import uuid

from prefect import get_run_logger
from prefect.states import State

from llmbench.comparison import ExecutionOutcome, assemble_result, check_outcome
from llmbench.runs import RunSettings
from llmbench.types import ComparisonResult, DatasetItem, ModelConfig, ModelResult
from tasks.evaluate import evaluate
from tasks.execute import execute_model
from tasks.limits import ensure_provider_limits
from tasks.rank import analyze_results, rank

__all__ = ["TASK_TIMEOUT_GRACE_SECONDS", "run_pipeline"]

#: The execute-model task's Prefect timeout is the run's deadline plus this grace: the task returns what it
#: finished at the deadline by itself, so the Prefect timeout only fires when a task is truly stuck.
TASK_TIMEOUT_GRACE_SECONDS = 30.0


def _failed_rows(model: ModelConfig, items: list[DatasetItem], state: State) -> list[ModelResult]:
    """A model whose task failed (e.g. hit its Prefect timeout) is kept as failed rows, one per item."""
    reason = f"execute-model task ended {state.name}: {state.message or 'no message'}"
    return [
        ModelResult(
            model=model.identifier,
            item_id=item.id,
            success=False,
            error=reason,
            error_type="TaskFailed",
            attempts=0,
            task_type=item.task_type,
        )
        for item in items
    ]


async def _execute_all(settings: RunSettings, items: list[DatasetItem]) -> ExecutionOutcome:
    limits = await ensure_provider_limits([m.provider for m in settings.models], settings.provider_limits)
    started = time.perf_counter()
    deadline = time.time() + settings.timeout_seconds
    run_key = uuid.uuid4().hex
    parallel_models = asyncio.Semaphore(settings.max_parallel_models)

    async def one(model: ModelConfig) -> list[ModelResult]:
        async with parallel_models:
            state = await execute_model.with_options(timeout_seconds=settings.timeout_seconds + TASK_TIMEOUT_GRACE_SECONDS)(
                model,
                items,
                settings.policy,
                settings.concurrency,
                limits.get(model.provider),
                deadline,
                run_key,
                return_state=True,
            )
        if state.is_completed():
            rows: list[ModelResult] = await state.aresult()
            return rows
        get_run_logger().warning("model %s: %s", model.identifier, state.message)
        return _failed_rows(model, items, state)

    per_model = await asyncio.gather(*(one(m) for m in settings.models))
    results = [row for rows in per_model for row in rows]
    incomplete = sorted(
        {r.model for r in results if r.error_type in {"ComparisonTimeout", "TaskFailed"} and r.attempts == 0}
    )
    return ExecutionOutcome(
        results=results, incomplete_models=incomplete, duration_ms=(time.perf_counter() - started) * 1000
    )


async def run_pipeline(name: str, items: list[DatasetItem], settings: RunSettings) -> ComparisonResult:
    """Execute, evaluate, rank and analyse; raises only when no model produced anything usable."""
    outcome = await _execute_all(settings, items)
    check_outcome(outcome, settings.timeout_seconds)
    scored = await evaluate(outcome.results, items, settings.metrics)
    ranking = rank(scored, settings.weights)
    analysis = analyze_results(scored, ranking.rankings, items, settings.statistical_tests)
    return assemble_result(
        name=name,
        models=[m.identifier for m in settings.models],
        items=items,
        results=scored,
        ranking=ranking,
        analysis=analysis,
        weights=settings.weights,
        metrics=settings.metrics,
        incomplete_models=outcome.incomplete_models,
        duration_ms=outcome.duration_ms,
    )
