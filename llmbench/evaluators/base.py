"""The evaluator interface: score one response to one item.

Scoring one sample is kept apart from aggregating many (see :mod:`llmbench.ranking`). ``evaluate`` is a
coroutine so that judge evaluators, which call a model, share the interface with the offline heuristics.

The class attributes describe a metric without running it, for :func:`llmbench.evaluators.metric_catalog` and
for the quality combination (:mod:`llmbench.evaluators.quality`); a subclass overrides the ones that differ.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from llmbench.types import DatasetItem, EvalScore

__all__ = ["Evaluator"]


class Evaluator(ABC):
    """Scores a response in [0, 1]; returns None when the metric does not apply to the item."""

    name: ClassVar[str]
    #: What the item must carry for the metric to apply; "a or b" means either. The metric is "not applicable"
    #: (None) on items that lack it. Vocabulary: reference, incorrect_references, context, contains, regex,
    #: json_schema, answer_format=json, judge.
    needs: ClassVar[tuple[str, ...]] = ()
    #: What the metric uses when the item has it, without needing it.
    uses: ClassVar[tuple[str, ...]] = ()
    #: Model calls per answer (0 for offline metrics); judge evaluators set it.
    judge_calls: ClassVar[int] = 0
    #: "correctness", "grounding", "format" or "other": how the quality combination treats the metric.
    family: ClassVar[str] = "other"
    #: Weight in an item's quality; None takes the default of its family (see :mod:`.quality`).
    quality_weight: ClassVar[float | None] = None
    #: Whether :func:`~llmbench.evaluators.metric_catalog` times it (False for a metric that loads a model).
    measured: ClassVar[bool] = True

    @abstractmethod
    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        """Score ``response`` as an answer to ``item``."""
