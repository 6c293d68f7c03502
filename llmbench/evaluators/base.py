"""The evaluator interface: score one response to one item.

Scoring one sample is kept apart from aggregating many (see :mod:`llmbench.ranking`). ``evaluate`` is a
coroutine so that judge evaluators, which call a model, share the interface with the offline heuristics.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from llmbench.types import DatasetItem, EvalScore

__all__ = ["Evaluator"]


class Evaluator(ABC):
    """Scores a response in [0, 1]; returns None when the metric does not apply to the item."""

    name: ClassVar[str]

    @abstractmethod
    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        """Score ``response`` as an answer to ``item``."""
