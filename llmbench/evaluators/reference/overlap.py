"""Exact match and token F1 against the correct references (SQuAD definitions, best over the references).

* ``exact_match`` = 1 when the normalised answer equals a normalised correct reference, else 0.
* ``f1`` = max over correct references of the harmonic mean of token precision and recall (tokens counted
  with multiplicity, as SQuAD does).

Both need a reference and are not applicable without one. Normalisation: :mod:`.normalize`. Note the SQuAD
punctuation rule: "can't" and "cant" are the same token, but "can't" and "can" are not.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

from llmbench.evaluators.reference.base import ReferenceEvaluator
from llmbench.evaluators.reference.normalize import answer_tokens, normalize_answer

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


class ExactMatchEvaluator(ReferenceEvaluator):
    """1 when the normalised answer equals a normalised correct reference."""

    name: ClassVar[str] = "exact_match"

    def score(self, response: str, references: list[str]) -> tuple[float, dict[str, Any]]:
        answer = normalize_answer(response)
        matched = next((r for r in references if normalize_answer(r) == answer), None)
        details = {"method": "SQuAD-normalised equality", "normalized_answer": answer[:200], "matched": matched}
        return float(matched is not None), details


class TokenF1Evaluator(ReferenceEvaluator):
    """Best SQuAD token F1 between the answer and a correct reference."""

    name: ClassVar[str] = "f1"

    def score(self, response: str, references: list[str]) -> tuple[float, dict[str, Any]]:
        scores = [token_f1(response, r) for r in references]
        best = max(range(len(scores)), key=scores.__getitem__)
        details = {"method": "SQuAD token F1, best over references", "best_reference": references[best][:200]}
        return scores[best], details
