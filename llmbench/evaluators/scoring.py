"""Scoring model results with evaluators: as answers arrive, and again for a whole batch.

A metric that does not apply to an item (its evaluator returns None) is left out of the row's scores and named
in its ``not_applicable`` list, so reports can show why a score is missing and quality renormalises without it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

from llmbench.errors import ComparisonError
from llmbench.evaluators.base import Evaluator
from llmbench.evaluators.registry import get_evaluator, resolve_metrics
from llmbench.types import DatasetItem, EvalScore, ModelResult

__all__ = ["build_offline_evaluators", "evaluate_results", "make_scorer", "score_result"]


def build_offline_evaluators(metrics: Iterable[str]) -> list[Evaluator]:
    """One evaluator per metric name; ConfigError for an empty list or an unknown name."""
    return [get_evaluator(name) for name in resolve_metrics(metrics)]


async def score_result(result: ModelResult, item: DatasetItem, evaluators: list[Evaluator]) -> ModelResult:
    """``result`` with the evaluators it has not been through yet applied; failed results are returned as they are.

    Called as each answer arrives (inside the model's execution, overlapping the wait for slower calls) and again
    by :func:`evaluate_results`, which then only fills in what is missing.
    """
    todo = [e for e in evaluators if e.name not in result.evaluated]
    if not result.success or not todo:
        return result
    verdicts: list[EvalScore | None] = await asyncio.gather(
        *(evaluator.evaluate(item, result.response or "") for evaluator in todo)
    )
    scores = dict(result.scores)
    details = dict(result.score_details)
    not_applicable = list(result.not_applicable)
    for evaluator, verdict in zip(todo, verdicts, strict=True):
        if verdict is None:
            scores.pop(evaluator.name, None)
            details.pop(evaluator.name, None)
            not_applicable.append(evaluator.name)
            continue
        scores[evaluator.name] = verdict.score
        details[evaluator.name] = verdict.details
    evaluated = [*result.evaluated, *(e.name for e in todo)]
    return result.model_copy(
        update={"scores": scores, "score_details": details, "evaluated": evaluated, "not_applicable": not_applicable}
    )


def make_scorer(metrics: list[str]) -> Callable[[ModelResult, DatasetItem], Awaitable[ModelResult]]:
    """A scorer for :class:`llmbench.execution.ModelRunner`; unknown metrics fail here, before any call."""
    evaluators = build_offline_evaluators(metrics)

    async def scorer(result: ModelResult, item: DatasetItem) -> ModelResult:
        return await score_result(result, item, evaluators)

    return scorer


async def evaluate_results(
    results: list[ModelResult], items: dict[str, DatasetItem], metrics: list[str]
) -> list[ModelResult]:
    """``results`` with ``scores``, ``score_details`` and ``not_applicable`` filled for every successful result.

    Failed results are returned unchanged; metrics a row has already been through are not computed again.
    Unknown metrics or an empty list raise ConfigError before any work; a result whose ``item_id`` is not in
    ``items`` raises ComparisonError (scoring it against nothing would hide the mistake).
    """
    evaluators = build_offline_evaluators(metrics)
    missing = sorted({r.item_id for r in results if r.success and r.item_id not in items})
    if missing:
        raise ComparisonError(f"results refer to items not in the dataset: {', '.join(missing)}")
    return list(
        await asyncio.gather(
            *(score_result(r, items[r.item_id], evaluators) if r.success else _same(r) for r in results)
        )
    )


async def _same(result: ModelResult) -> ModelResult:
    return result
