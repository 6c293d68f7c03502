"""Score every successful answer with the chosen evaluators, the judge's among them."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from llmbench.config import EvaluationConfig
from llmbench.evaluators import evaluate_results
from llmbench.execution import RetryPolicy
from llmbench.types import DatasetItem, ModelConfig, ModelResult
from tasks.execute import with_secret_block_key

__all__ = ["evaluate"]


@task(name="evaluate", cache_policy=NO_CACHE)
async def evaluate(
    results: list[ModelResult],
    items: list[DatasetItem],
    metrics: list[str],
    judge: ModelConfig | None = None,
    evaluation: EvaluationConfig | None = None,
    policy: RetryPolicy | None = None,
) -> list[ModelResult]:
    """Rows with every metric applied; judge metrics share one judge client, closed whatever happens."""
    from llmbench.evaluators.judge import build_evaluators, close_evaluators

    if judge is not None:
        judge = await with_secret_block_key(judge)
    evaluators = build_evaluators(metrics, evaluation or EvaluationConfig(), judge, policy=policy)
    try:
        return await evaluate_results(results, {item.id: item for item in items}, evaluators)
    finally:
        await close_evaluators(evaluators)
