"""Correctness: is the answer closer to a correct reference than to any known incorrect one?

Definition (offline, no model call), with ``sim`` the similarity in meaning of :mod:`.similarity` (polarity,
yes/no stance, numbers and swapped entities first, then content-word overlap that discounts echoing the question):

* ``c`` = max over the correct references (``reference`` + ``references``) of ``sim(answer, reference)``,
  halved when the answer contradicts another correct reference (opposite stance, number, entity or polarity):
  correct references agree with each other, so "Canberra is the capital of Sydney" is not saved by also
  containing the short reference "Canberra".
* Without incorrect references: ``score = c``.
* With ``incorrect_references``: ``w`` = max of ``sim`` over them and ``score = (1 − w) · (0.1 + 0.9 · c)``:
  1 for an answer that matches a correct reference and no incorrect one, 0 for one that matches an incorrect
  one, 0.1 for an answer close to nothing known (so it still ranks above a known misconception), and in
  between the closer to a correct answer and the further from an incorrect one, the higher.
* An answer that is a correct reference (after SQuAD normalisation) scores 1, one that is an incorrect
  reference scores 0, whatever else they resemble. An empty answer scores 0. Not applicable (None) without a
  correct reference.

A yes/no item (the prompt opens with "Is/Can/Do ...", or a reference opens with "Yes"/"No") compares stances, so
"No." against "No, you can't marry your cousin in Australia" scores high and "Yes, you can ..." scores 0.
"""

from __future__ import annotations

from typing import ClassVar

from llmbench.evaluators.base import Evaluator
from llmbench.evaluators.facts import TextFacts, analyse, is_yes_no_question
from llmbench.evaluators.reference.similarity import CONTRADICTIONS, Similarity, answer_similarity
from llmbench.types import DatasetItem, EvalScore

__all__ = ["CorrectnessEvaluator"]

#: Score of an answer close to neither the correct nor the incorrect references, when there are incorrect ones.
_FLOOR = 0.1
_EXACT = "same normalised text"
_CONTRADICTION_DISCOUNT = 0.5


def _similarities(
    answer: TextFacts,
    references: list[str],
    question: TextFacts,
    yes_no: bool,
    tolerances: tuple[float, float],
    containment: bool = True,
) -> list[tuple[Similarity, str]]:
    return [
        (
            answer_similarity(
                answer, analyse(r), question, yes_no=yes_no, tolerances=tolerances, containment=containment
            ),
            r,
        )
        for r in references
    ]


def _best(scored: list[tuple[Similarity, str]]) -> tuple[Similarity, str]:
    return max(scored, key=lambda pair: pair[0].score)


class CorrectnessEvaluator(Evaluator):
    """Closeness in meaning to the correct references, discounted by closeness to the incorrect ones."""

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
        scored = _similarities(answer, references, question, yes_no, tolerances)
        correct, closest = _best(scored)
        contradicted = [r for sim, r in scored if sim.rule in CONTRADICTIONS]
        if contradicted and correct.rule != _EXACT:  # correct references agree, so contradicting one is a fault
            correct = Similarity(correct.score * _CONTRADICTION_DISCOUNT, correct.rule)
        details: dict[str, object] = {
            "method": "similarity to the closest correct reference, discounted by the closest incorrect one",
            "closest_correct": closest[:200],
            "correct_similarity": round(correct.score, 4),
            "correct_rule": correct.rule,
            "contradicts": [r[:200] for r in contradicted],
            "yes_no": yes_no,
        }
        score = correct.score
        if item.incorrect_references and correct.rule != _EXACT:
            wrong, closest_wrong = _best(
                _similarities(answer, item.incorrect_references, question, yes_no, tolerances, containment=False)
            )
            score = 0.0 if wrong.rule == _EXACT else (1 - wrong.score) * (_FLOOR + (1 - _FLOOR) * correct.score)
            details.update(
                closest_incorrect=closest_wrong[:200],
                incorrect_similarity=round(wrong.score, 4),
                incorrect_rule=wrong.rule,
            )
        return EvalScore(name=self.name, score=min(1.0, max(0.0, score)), details=details)
