"""Exact match and token F1 against the correct references (SQuAD definitions, best over the references).

* ``exact_match`` = 1 when the normalised answer equals a normalised correct reference, else 0.
* ``f1`` = max over correct references of the harmonic mean of token precision and recall (tokens counted
  with multiplicity, as SQuAD does).

Both need a reference and are not applicable without one. Normalisation: :mod:`.normalize`. Note the SQuAD
punctuation rule: "can't" and "cant" are the same token, but "can't" and "can" are not.
"""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

from llmbench.evaluators.base import Evaluator
from llmbench.evaluators.reference.normalize import answer_tokens, normalize_answer
from llmbench.types import DatasetItem, EvalScore

__all__ = ["ExactMatchEvaluator", "TokenF1Evaluator", "token_f1"]


def token_f1(answer: str, reference: str) -> float:
    """SQuAD token F1 of two texts; 1.0 when both normalise to nothing, 0.0 when only one does."""
    a, r = answer_tokens(answer), answer_tokens(reference)
    if not a or not r:
        return float(a == r)
    common = sum((Counter(a) & Counter(r)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(a), common / len(r)
    return 2 * precision * recall / (precision + recall)


class ExactMatchEvaluator(Evaluator):
    """1 when the normalised answer equals a normalised correct reference."""

    name: ClassVar[str] = "exact_match"
    needs: ClassVar[tuple[str, ...]] = ("reference",)
    family: ClassVar[str] = "correctness"

    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        references = item.correct_references
        if not references:
            return None
        answer = normalize_answer(response)
        matched = next((r for r in references if normalize_answer(r) == answer), None)
        return EvalScore(
            name=self.name,
            score=float(matched is not None),
            details={"method": "SQuAD-normalised equality", "normalized_answer": answer[:200], "matched": matched},
        )


class TokenF1Evaluator(Evaluator):
    """Best SQuAD token F1 between the answer and a correct reference."""

    name: ClassVar[str] = "f1"
    needs: ClassVar[tuple[str, ...]] = ("reference",)
    family: ClassVar[str] = "correctness"

    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        references = item.correct_references
        if not references:
            return None
        scores = [token_f1(response, r) for r in references]
        best = max(range(len(scores)), key=scores.__getitem__)
        return EvalScore(
            name=self.name,
            score=scores[best],
            details={"method": "SQuAD token F1, best over references", "best_reference": references[best][:200]},
        )
