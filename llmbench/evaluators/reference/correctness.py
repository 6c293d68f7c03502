"""Correctness: is the answer closer to a correct reference than to any known incorrect one?

Definition (offline, no model call), with ``sim`` the similarity in meaning of :mod:`.similarity` (polarity,
yes/no stance, numbers and swapped entities first, then content-word overlap that discounts echoing the question):

* ``c`` = max over the correct references (``reference`` + ``references``) of ``sim(answer, reference)``,
  halved when the answer contradicts another correct reference (opposite stance, number, entity or polarity):
  correct references agree with each other, so "Canberra is the capital of Sydney" is not saved by also
  containing the short reference "Canberra".
* Without incorrect references: ``score = c``.
* With ``incorrect_references``: ``w`` = max of ``sim`` over them and ``score = (1 + c − w) / 2``, the margin
  by which the answer is closer to a correct reference than to an incorrect one, mapped onto [0, 1] (1: a
  correct answer and no incorrect one; 0: an incorrect one; 0.5: as close to both, or to neither: an answer
  unlike every known misconception is not counted wrong, and an off-topic one is caught by relevance). The
  margin, rather than a product, keeps a correct answer that shares a misconception's words (a high ``w``
  beside a higher ``c``) above a wrong one that merely echoes the correct wording. An answer that contradicts a
  correct reference scores at most ``c``: "Canberra is not the capital of Australia" is wrong even though it is
  unlike the known misconception "Sydney is the capital".
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


def _margin(correct: float, wrong: float) -> float:
    """How much closer to a correct reference than to an incorrect one, mapped onto [0, 1] (0.5: equally close)."""
    return 0.5 * (1 + correct - wrong)


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
            score = 0.0 if wrong.rule == _EXACT else _margin(correct.score, wrong.score)
            if contradicted:  # contradicting a correct answer is wrong, however unlike the known wrong ones it is
                score = min(score, correct.score)
            details.update(
                closest_incorrect=closest_wrong[:200],
                incorrect_similarity=round(wrong.score, 4),
                incorrect_rule=wrong.rule,
            )
        return EvalScore(name=self.name, score=min(1.0, max(0.0, score)), details=details)
