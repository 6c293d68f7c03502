"""Score every successful answer with the chosen evaluators."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from llmbench.evaluators import evaluate_results
from llmbench.types import DatasetItem, ModelResult

__all__ = ["evaluate"]


@task(name="evaluate", cache_policy=NO_CACHE)
async def evaluate(results: list[ModelResult], items: list[DatasetItem], metrics: list[str]) -> list[ModelResult]:
    return await evaluate_results(results, {item.id: item for item in items}, metrics)
