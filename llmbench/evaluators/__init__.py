"""Evaluators by name, and the step that scores a batch of model results with them.

Evaluators register their class under their ``name``; configuration refers to metrics by that name, so an
unknown one fails early with the list of known names rather than deep inside a comparison.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from llmbench.errors import ComparisonError, ConfigError
from llmbench.evaluators.base import Evaluator
from llmbench.evaluators.coherence import CoherenceEvaluator
from llmbench.evaluators.faithfulness import SUPPORT_THRESHOLD, FaithfulnessEvaluator
from llmbench.evaluators.relevance import RelevanceEvaluator
from llmbench.types import DatasetItem, EvalScore, ModelResult

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
        known = ", ".join(sorted(EVALUATORS))
        raise ConfigError(f"unknown metric {name!r}; known metrics: {known}") from None
    return cls()


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
    for evaluator, verdict in zip(todo, verdicts, strict=True):
        if verdict is None:  # not applicable to this item: left out, but remembered as done
            scores.pop(evaluator.name, None)
            details.pop(evaluator.name, None)
            continue
        scores[evaluator.name] = verdict.score
        details[evaluator.name] = verdict.details
    evaluated = [*result.evaluated, *(e.name for e in todo)]
    return result.model_copy(update={"scores": scores, "score_details": details, "evaluated": evaluated})


def make_scorer(metrics: list[str]) -> Callable[[ModelResult, DatasetItem], Awaitable[ModelResult]]:
    """A scorer for :class:`llmbench.execution.ModelRunner`; unknown metrics fail here, before any call."""
    evaluators = [get_evaluator(name) for name in dict.fromkeys(metrics)]

    async def scorer(result: ModelResult, item: DatasetItem) -> ModelResult:
        return await score_result(result, item, evaluators)

    return scorer


async def evaluate_results(
    results: list[ModelResult], items: dict[str, DatasetItem], metrics: list[str]
) -> list[ModelResult]:
    """``results`` with ``scores`` and ``score_details`` filled for every successful result.

    Failed results are returned unchanged; a metric that returns None for an item is left out of its scores;
    metrics a row has already been through are not computed again. Unknown metrics raise ConfigError before any
    work; a result whose ``item_id`` is not in ``items`` raises ComparisonError (scoring it against nothing would
    hide the mistake).
    """
    evaluators = [get_evaluator(name) for name in dict.fromkeys(metrics)]
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
