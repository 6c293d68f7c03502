"""Helpers shared by the evaluator tests."""

from __future__ import annotations

import asyncio

from llmbench.evaluators import Evaluator
from llmbench.types import DatasetItem, EvalScore


def verdict(evaluator: Evaluator, item: DatasetItem, response: str) -> EvalScore | None:
    """Run one evaluation synchronously."""
    return asyncio.run(evaluator.evaluate(item, response))


def score(evaluator: Evaluator, item: DatasetItem, response: str) -> float:
    """The score of an evaluation that must apply."""
    result = verdict(evaluator, item, response)
    assert result is not None, f"{evaluator.name} unexpectedly not applicable"
    assert 0.0 <= result.score <= 1.0
    return result.score
