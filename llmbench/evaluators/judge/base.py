"""What every judge metric shares: repeats, their agreement, failures that are counted and never scored.

An evaluation asks the judge ``repeats`` times (each a distinct request) and scores the mean of the repeats
whose verdict was usable. A repeat that failed (call failed, verdict unparseable) is listed in the details and
counted in the judge's usage; when no repeat is usable the evaluation fails with :class:`EvaluationFailed`,
which the scoring step records on the row instead of a score.
"""

from __future__ import annotations

import asyncio
import statistics
from abc import abstractmethod
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from llmbench.errors import EvaluationFailed
from llmbench.evaluators.base import Evaluator
from llmbench.evaluators.judge.client import JudgeClient, UsageTally
from llmbench.evaluators.judge.prompts import JudgePrompt
from llmbench.types import DatasetItem, EvalScore, JudgeAgreement

__all__ = ["MAX_REPEATS", "JudgeEvaluator", "Trial", "agreement"]

MAX_REPEATS = 20


@dataclass(frozen=True)
class Trial:
    """One repeat's score and what the judge said."""

    score: float
    details: dict[str, Any] = field(default_factory=dict)


def agreement(scores: Sequence[float]) -> JudgeAgreement | None:
    """Agreement of one item's repeats; None with fewer than two.

    ``mean_abs_deviation`` = mean |s_i - mean(s)|; ``identical_share`` = share of repeats equal to the most
    common score (1.0 when every repeat gave the same score).
    """
    if len(scores) < 2:
        return None
    mean = statistics.fmean(scores)
    mode_count = Counter(round(s, 9) for s in scores).most_common(1)[0][1]
    return JudgeAgreement(
        items=1,
        mean_abs_deviation=statistics.fmean(abs(s - mean) for s in scores),
        identical_share=mode_count / len(scores),
    )


class JudgeEvaluator(Evaluator):
    """A metric scored by a judge model. Subclasses say what the judge sees and how one repeat is scored."""

    prompts: ClassVar[tuple[JudgePrompt[Any], ...]]

    def __init__(self, judge: JudgeClient, *, repeats: int = 1) -> None:
        if not 1 <= repeats <= MAX_REPEATS:
            raise ValueError(f"judge repeats must be between 1 and {MAX_REPEATS}")
        self.judge = judge
        self.repeats = repeats

    @abstractmethod
    def inputs(self, item: DatasetItem, response: str) -> dict[str, str] | None:
        """What the judge is shown; None when the metric does not apply to the item."""

    @abstractmethod
    async def trial(self, values: dict[str, str], item: DatasetItem, tally: UsageTally, repeat: int) -> Trial:
        """One repeat: ask the judge (raising EvaluationFailed subclasses) and score its verdict."""

    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        values = self.inputs(item, response)
        if values is None:
            return None
        tally = self.judge.tally()
        outcomes = await asyncio.gather(
            *(self._attempt(values, item, tally, repeat) for repeat in range(1, self.repeats + 1))
        )
        trials = [o for o in outcomes if isinstance(o, Trial)]
        failures = [o for o in outcomes if isinstance(o, EvaluationFailed)]
        details: dict[str, Any] = {
            "judge": self.judge.identifier,
            "prompts": [p.ref for p in self.prompts],
            "repeats": self.repeats,
            "verdicts": [t.details for t in trials],
            **self.extra_details(),
        }
        if failures:
            details["failed_repeats"] = [
                {"error_type": type(f).__name__, "message": f.message, "raw": f.raw, **f.details} for f in failures
            ]
        if not trials:
            first = failures[0]
            raise type(first)(
                f"no usable verdict in {self.repeats} repeat(s): {first.message}",
                raw=[raw for f in failures for raw in f.raw],
                details=details,
                usage=tally.usage(failed=True),
            )
        scores = [t.score for t in trials]
        details["scores"] = scores
        agreed = agreement(scores)
        if agreed is not None:
            details["agreement"] = agreed.model_dump()
        return EvalScore(
            name=self.name, score=statistics.fmean(scores), details=details, usage=tally.usage(failed=False)
        )

    def extra_details(self) -> dict[str, Any]:
        """Details a metric adds to every verdict (e.g. which rubric)."""
        return {}

    async def _attempt(
        self, values: dict[str, str], item: DatasetItem, tally: UsageTally, repeat: int
    ) -> Trial | EvaluationFailed:
        try:
            return await self.trial(values, item, tally, repeat)
        except EvaluationFailed as failure:
            return failure

    async def aclose(self) -> None:
        """Release the judge's connections for the current event loop."""
        await self.judge.aclose()
