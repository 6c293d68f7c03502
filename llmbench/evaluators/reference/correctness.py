"""Correctness: is the answer closer to a correct reference than to any known incorrect one?

Definition (offline, no model call), with ``sim`` the similarity in meaning of :mod:`.similarity` (polarity,
yes/no stance, numbers and swapped entities first, then content-word overlap that discounts echoing the question):

* ``c`` = max over the correct references (``reference`` + ``references``) of ``sim(answer, reference)``.
* Without incorrect references: ``score = c``.
* With ``incorrect_references``: ``w`` = max of ``sim`` over them and ``score = (1 + c − w) / 2``: 1 for an
  answer that matches a correct reference and no incorrect one, 0 for the reverse, 0.5 when it is as close to
  both (or to neither).
* An empty answer scores 0. Not applicable (None) without a correct reference.

A yes/no item (the prompt opens with "Is/Can/Do ...", or a reference opens with "Yes"/"No") compares stances, so
"No." against "No, you can't marry your cousin in Australia" scores high and "Yes, you can ..." scores 0.
"""

from __future__ import annotations

from typing import ClassVar

from llmbench.evaluators.base import Evaluator
from llmbench.evaluators.facts import TextFacts, analyse, is_yes_no_question
from llmbench.evaluators.reference.similarity import Similarity, answer_similarity
from llmbench.types import DatasetItem, EvalScore

__all__ = ["CorrectnessEvaluator"]


def _best(
    answer: TextFacts, references: list[str], question: TextFacts, yes_no: bool, tolerances: tuple[float, float]
) -> tuple[Similarity, str]:
    scored = [
        (answer_similarity(answer, analyse(r), question, yes_no=yes_no, tolerances=tolerances), r) for r in references
    ]
    return max(scored, key=lambda pair: pair[0].score)


class CorrectnessEvaluator(Evaluator):
    """Closeness in meaning to the correct references, minus closeness to the incorrect ones."""

    name: ClassVar[str] = "correctness"
    needs: ClassVar[tuple[str, ...]] = ("reference",)
    uses: ClassVar[tuple[str, ...]] = ("incorrect_references", "numeric_tolerance")
    family: ClassVar[str] = "correctness"

    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        references = item.correct_references
        if not references:
            return None
        answer = analyse(response)
        if answer.empty:
            return EvalScore(name=self.name, score=0.0, details={"reason": "empty response"})
        question = analyse(item.prompt)
        yes_no = is_yes_no_question(item.prompt) or any(analyse(r).stance for r in references)
        tolerances = item.tolerances()
        correct, closest = _best(answer, references, question, yes_no, tolerances)
        details: dict[str, object] = {
            "method": "similarity to the closest correct reference (minus the closest incorrect one)",
            "closest_correct": closest[:200],
            "correct_similarity": round(correct.score, 4),
            "correct_rule": correct.rule,
            "yes_no": yes_no,
        }
        score = correct.score
        if item.incorrect_references:
            wrong, closest_wrong = _best(answer, item.incorrect_references, question, yes_no, tolerances)
            score = (1 + correct.score - wrong.score) / 2
            details.update(
                closest_incorrect=closest_wrong[:200],
                incorrect_similarity=round(wrong.score, 4),
                incorrect_rule=wrong.rule,
            )
        return EvalScore(name=self.name, score=min(1.0, max(0.0, score)), details=details)
