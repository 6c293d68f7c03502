"""Scoring model results with evaluators: as answers arrive, and again for a whole batch.

A metric that does not apply to an item (its evaluator returns None) is left out of the row's scores and named
in its ``not_applicable`` list, so reports can show why a score is missing and quality renormalises without it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence

from llmbench.errors import ComparisonError, EvaluationFailed
from llmbench.evaluators.base import Evaluator
from llmbench.evaluators.registry import get_evaluator, resolve_metrics
from llmbench.types import DatasetItem, EvalFailure, EvalScore, ModelResult

__all__ = ["build_offline_evaluators", "evaluate_results", "make_scorer", "score_result"]


def build_offline_evaluators(metrics: Iterable[str]) -> list[Evaluator]:
    """One evaluator per metric name; ConfigError for an empty list or an unknown name."""
    return [get_evaluator(name) for name in resolve_metrics(metrics)]


def _resolve(metrics: Sequence[str | Evaluator]) -> list[Evaluator]:
    """Evaluators for metric names (from the registry) or ready-built evaluators (judges), without repeats."""
    names = [m for m in metrics if isinstance(m, str)]
    built = [m for m in metrics if isinstance(m, Evaluator)]
    if names or not built:
        resolve_metrics(names)  # an empty list or an unknown name fails here, before any call
    evaluators: dict[str, Evaluator] = {}
    for metric in metrics:
        evaluator = metric if isinstance(metric, Evaluator) else get_evaluator(metric)
        evaluators.setdefault(evaluator.name, evaluator)
    return list(evaluators.values())


async def _verdict(evaluator: Evaluator, item: DatasetItem, response: str) -> EvalScore | EvaluationFailed | None:
    try:
        return await evaluator.evaluate(item, response)
    except EvaluationFailed as failure:  # counted on the row, never a score
        return failure


async def score_result(result: ModelResult, item: DatasetItem, evaluators: list[Evaluator]) -> ModelResult:
    """``result`` with the evaluators it has not been through yet applied; failed results are returned as they are.

    Called as each answer arrives (inside the model's execution, overlapping the wait for slower calls) and again
    by :func:`evaluate_results`, which then only fills in what is missing.
    """
    todo = [e for e in evaluators if e.name not in result.evaluated]
    if not result.success or not todo:
        return result
    verdicts = await asyncio.gather(*(_verdict(evaluator, item, result.response or "") for evaluator in todo))
    scores = dict(result.scores)
    details = dict(result.score_details)
    errors = dict(result.eval_errors)
    judge_usage = dict(result.judge_usage)
    not_applicable = list(result.not_applicable)
    for evaluator, verdict in zip(todo, verdicts, strict=True):
        if verdict is None or isinstance(verdict, EvaluationFailed):
            # Not applicable, or failed: left out (quality renormalises), but remembered as done.
            scores.pop(evaluator.name, None)
            details.pop(evaluator.name, None)
        else:
            scores[evaluator.name] = verdict.score
            details[evaluator.name] = verdict.details
        if verdict is None:
            not_applicable.append(evaluator.name)
        elif isinstance(verdict, EvaluationFailed):
            errors[evaluator.name] = EvalFailure(
                error_type=type(verdict).__name__, message=verdict.message, raw=verdict.raw, details=verdict.details
            )
        if verdict is not None and verdict.usage is not None:
            judge_usage[evaluator.name] = verdict.usage
    evaluated = [*result.evaluated, *(e.name for e in todo)]
    update = {"scores": scores, "score_details": details, "evaluated": evaluated, "not_applicable": not_applicable}
    return result.model_copy(update={**update, "eval_errors": errors, "judge_usage": judge_usage})


def make_scorer(metrics: Sequence[str | Evaluator]) -> Callable[[ModelResult, DatasetItem], Awaitable[ModelResult]]:
    """A scorer for :class:`llmbench.execution.ModelRunner` from metric names or built evaluators (judges);
    unknown metrics fail here, before any call."""
    evaluators = _resolve(metrics)

    async def scorer(result: ModelResult, item: DatasetItem) -> ModelResult:
        return await score_result(result, item, evaluators)

    return scorer


async def evaluate_results(
    results: list[ModelResult], items: dict[str, DatasetItem], metrics: Sequence[str | Evaluator]
) -> list[ModelResult]:
    """``results`` with ``scores``, ``score_details`` and ``not_applicable`` filled for every successful result.

    ``metrics`` are names or built evaluators (judges come from :func:`llmbench.evaluators.judge.build_evaluators`).
    A metric that fails (EvaluationFailed) is left out and recorded in ``eval_errors``. Failed results are
    returned unchanged; metrics a row has already been through are not computed again.
    Unknown metrics or an empty list raise ConfigError before any work; a result whose ``item_id`` is not in
    ``items`` raises ComparisonError (scoring it against nothing would hide the mistake).
    """
    evaluators = _resolve(metrics)
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
