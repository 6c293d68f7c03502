"""Evaluators by name, and the step that scores a batch of model results with them.

Evaluators register their class under their ``name``; configuration refers to metrics by that name, so an
unknown one fails early with the list of known names rather than deep inside a comparison.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from llmbench.errors import ComparisonError, ConfigError, EvaluationFailed
from llmbench.evaluators.base import Evaluator
from llmbench.evaluators.coherence import CoherenceEvaluator
from llmbench.evaluators.faithfulness import SUPPORT_THRESHOLD, FaithfulnessEvaluator
from llmbench.evaluators.relevance import RelevanceEvaluator
from llmbench.types import DatasetItem, EvalFailure, EvalScore, ModelResult

__all__ = [
    "EVALUATORS",
    "SUPPORT_THRESHOLD",
    "CoherenceEvaluator",
    "Evaluator",
    "FaithfulnessEvaluator",
    "RelevanceEvaluator",
    "evaluate_results",
    "get_evaluator",
    "make_scorer",
    "register_evaluator",
    "score_result",
]

#: Metric name -> evaluator class. Extend with :func:`register_evaluator`.
EVALUATORS: dict[str, type[Evaluator]] = {
    FaithfulnessEvaluator.name: FaithfulnessEvaluator,
    RelevanceEvaluator.name: RelevanceEvaluator,
    CoherenceEvaluator.name: CoherenceEvaluator,
}


def register_evaluator(cls: type[Evaluator]) -> type[Evaluator]:
    """Register ``cls`` under ``cls.name`` (usable as a class decorator).

    Re-registering the same class is a no-op; another class under a taken name is a ConfigError, so two
    plugins cannot silently replace each other's metric.
    """
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise ConfigError(f"evaluator {cls.__qualname__} has no 'name' class attribute to register it under")
    existing = EVALUATORS.get(name)
    if existing is not None and existing is not cls:
        raise ConfigError(f"metric {name!r} is already registered by {existing.__qualname__}")
    EVALUATORS[name] = cls
    return cls


def get_evaluator(name: str) -> Evaluator:
    """A new instance of the evaluator registered as ``name``; ConfigError names the known metrics."""
    try:
        cls = EVALUATORS[name]
    except KeyError:
        from llmbench.evaluators.judge.names import is_judge_metric, needs_judge_message

        if is_judge_metric(name):  # a judge metric is built with its judge by evaluators.judge.build_evaluators
            raise ConfigError(needs_judge_message(name)) from None
        known = ", ".join(sorted(EVALUATORS))
        raise ConfigError(f"unknown metric {name!r}; known metrics: {known}") from None
    return cls()


def _resolve(metrics: Sequence[str | Evaluator]) -> list[Evaluator]:
    """Evaluators for metric names (from the registry) or ready-built evaluators (e.g. judges), deduplicated."""
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
    for evaluator, verdict in zip(todo, verdicts, strict=True):
        if verdict is None or isinstance(verdict, EvaluationFailed):
            # Not applicable, or failed: left out (the ranking renormalises), but remembered as done.
            scores.pop(evaluator.name, None)
            details.pop(evaluator.name, None)
        else:
            scores[evaluator.name] = verdict.score
            details[evaluator.name] = verdict.details
        if isinstance(verdict, EvaluationFailed):
            errors[evaluator.name] = EvalFailure(
                error_type=type(verdict).__name__, message=verdict.message, raw=verdict.raw, details=verdict.details
            )
        if verdict is not None and verdict.usage is not None:
            judge_usage[evaluator.name] = verdict.usage
    evaluated = [*result.evaluated, *(e.name for e in todo)]
    update = {"scores": scores, "score_details": details, "evaluated": evaluated}
    return result.model_copy(update={**update, "eval_errors": errors, "judge_usage": judge_usage})


def make_scorer(
    metrics: Sequence[str | Evaluator],
) -> Callable[[ModelResult, DatasetItem], Awaitable[ModelResult]]:
    """A scorer for :class:`llmbench.execution.ModelRunner` from metric names or built evaluators (judges);
    unknown metrics fail here, before any call."""
    evaluators = _resolve(metrics)

    async def scorer(result: ModelResult, item: DatasetItem) -> ModelResult:
        return await score_result(result, item, evaluators)

    return scorer


async def evaluate_results(
    results: list[ModelResult], items: dict[str, DatasetItem], metrics: Sequence[str | Evaluator]
) -> list[ModelResult]:
    """``results`` with ``scores`` and ``score_details`` filled for every successful result.

    ``metrics`` are names or built evaluators (judge evaluators come from
    :func:`llmbench.evaluators.judge.build_evaluators`). Failed results are returned unchanged; a metric that
    returns None for an item is left out of its scores; one that fails (EvaluationFailed) is left out and
    recorded in ``eval_errors``; metrics a row has already been through are not computed again. Unknown metrics
    raise ConfigError before any work; a result whose ``item_id`` is not in ``items`` raises ComparisonError
    (scoring it against nothing would hide the mistake).
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
