"""The shape every metric scored against the item's correct references shares.

Not applicable without a reference; otherwise a score in [0, 1] from the answer and the references, with the
details that explain it. Subclasses say only how to score (:meth:`ReferenceEvaluator.score`).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

from llmbench.evaluators.base import Evaluator
from llmbench.types import DatasetItem, EvalScore

__all__ = ["ReferenceEvaluator"]


class ReferenceEvaluator(Evaluator):
    """A metric of the answer against ``item.correct_references``; None when the item has none."""

    needs: ClassVar[tuple[str, ...]] = ("reference",)
    family: ClassVar[str] = "correctness"

    @abstractmethod
    def score(self, response: str, references: list[str]) -> tuple[float, dict[str, Any]]:
        """The score (clipped to [0, 1] by the caller) and its details."""

    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        references = item.correct_references
        if not references:
            return None
        value, details = self.score(response, references)
        return EvalScore(name=self.name, score=min(1.0, max(0.0, value)), details=details)
