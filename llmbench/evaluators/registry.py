"""Evaluators by name: configuration refers to metrics by name, so an unknown one fails early.

An unknown name or an empty list is a ConfigError whose one line lists the known metrics, raised before any model
is called. Judge evaluators (which need a judge model to be built) register here too, next to the offline ones.
"""

from __future__ import annotations

from collections.abc import Iterable

from llmbench.errors import ConfigError
from llmbench.evaluators.base import Evaluator
from llmbench.evaluators.coherence import CoherenceEvaluator
from llmbench.evaluators.faithfulness import FaithfulnessEvaluator
from llmbench.evaluators.reference import (
    BleuEvaluator,
    ChrfEvaluator,
    ContainsEvaluator,
    CorrectnessEvaluator,
    ExactMatchEvaluator,
    JsonSchemaEvaluator,
    JsonValidEvaluator,
    NumericEvaluator,
    RegexEvaluator,
    RougeLEvaluator,
    SemanticSimilarityEvaluator,
    TokenF1Evaluator,
)
from llmbench.evaluators.relevance import RelevanceEvaluator

__all__ = ["EVALUATORS", "get_evaluator", "known_metrics", "register_evaluator", "resolve_metrics"]

_BUILT_IN: tuple[type[Evaluator], ...] = (
    CorrectnessEvaluator,
    FaithfulnessEvaluator,
    RelevanceEvaluator,
    CoherenceEvaluator,
    ExactMatchEvaluator,
    TokenF1Evaluator,
    RougeLEvaluator,
    ChrfEvaluator,
    BleuEvaluator,
    ContainsEvaluator,
    RegexEvaluator,
    NumericEvaluator,
    JsonValidEvaluator,
    JsonSchemaEvaluator,
    SemanticSimilarityEvaluator,
)

#: Metric name -> evaluator class. Extend with :func:`register_evaluator`.
EVALUATORS: dict[str, type[Evaluator]] = {cls.name: cls for cls in _BUILT_IN}


def known_metrics() -> list[str]:
    """Every registered metric name, sorted."""
    return sorted(EVALUATORS)


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


def _unknown(name: str) -> ConfigError:
    from llmbench.evaluators.judge.names import is_judge_metric, needs_judge_message

    if is_judge_metric(name):  # a judge metric is built with its judge by evaluators.judge.build_evaluators
        return ConfigError(needs_judge_message(name))
    return ConfigError(f"unknown metric {name!r}; known metrics: {', '.join(known_metrics())}")


def resolve_metrics(names: Iterable[str]) -> list[str]:
    """``names`` without repeats, in order; ConfigError (listing the known metrics) if empty or unknown."""
    metrics = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if not metrics:
        raise ConfigError(f"no metrics given; choose from: {', '.join(known_metrics())}")
    for name in metrics:
        if name not in EVALUATORS:
            raise _unknown(name)
    return metrics


def get_evaluator(name: str) -> Evaluator:
    """A new instance of the evaluator registered as ``name``; ConfigError names the known metrics."""
    cls = EVALUATORS.get(name)
    if cls is None:
        raise _unknown(name)
    return cls()
