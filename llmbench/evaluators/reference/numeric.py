"""Numeric answers compared by value: ``numeric``.

The expected values are the numbers of each correct reference (digits, "2,314", "1.2 million", number words
such as "nine"; see :mod:`llmbench.evaluators.facts`). For the reference whose values the answer matches best:

* ``score`` = share of that reference's values found among the answer's values, each within the item's
  ``numeric_tolerance`` (absolute, e.g. ``0.5``, or relative, e.g. ``"2%"``; exact by default).
* An answer without any number scores 0; "eighty" matches "80", and "80.0" matches "80".

Not applicable when no correct reference contains a number.
"""

from __future__ import annotations

from typing import ClassVar

from llmbench.evaluators.base import Evaluator
from llmbench.evaluators.facts import analyse, numbers_match
from llmbench.types import DatasetItem, EvalScore

__all__ = ["NumericEvaluator"]


def _share_found(expected: tuple[float, ...], found: tuple[float, ...], absolute: float, relative: float) -> float:
    hits = sum(1 for e in expected if any(numbers_match(e, f, absolute, relative) for f in found))
    return hits / len(expected)


class NumericEvaluator(Evaluator):
    """Share of the reference's numbers that the answer states, within tolerance."""

    name: ClassVar[str] = "numeric"
    needs: ClassVar[tuple[str, ...]] = ("reference with a number",)
    uses: ClassVar[tuple[str, ...]] = ("numeric_tolerance",)
    family: ClassVar[str] = "correctness"

    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        expected = [(r, analyse(r).numbers) for r in item.correct_references]
        expected = [(r, values) for r, values in expected if values]
        if not expected:
            return None
        found = analyse(response).numbers
        absolute, relative = item.tolerances()
        scored = [(_share_found(values, found, absolute, relative), r, values) for r, values in expected]
        score, reference, values = max(scored, key=lambda s: s[0])
        return EvalScore(
            name=self.name,
            score=score,
            details={
                "method": "share of the reference's numbers stated within tolerance",
                "expected": list(values),
                "found": list(found),
                "tolerance": {"absolute": absolute, "relative": relative},
                "reference": reference[:200],
                "reason": "the answer states no number" if not found else None,
            },
        )
