"""The judge metrics. Each score is in [0, 1], the mean over the usable repeats of:

* ``judge_faithfulness`` (needs a context): the judge lists the answer's claims, then checks each against the
  context; score = supported claims / claims. An answer with no claim is vacuously faithful (1.0, details say
  so): whether it answered at all is for relevance and correctness to judge. Two calls per repeat.
* ``judge_correctness`` (needs a reference): the judge grades the answer against the reference answers (and the
  known incorrect ones when the item has them): correct 1, partially correct 0.5, incorrect 0. One call.
* ``judge_relevance``: the judge lists the answer's statements and marks each relevant to the question or not;
  score = relevant / statements, 0 for an answer with no statement. One call.
* ``rubric:<name>``: G-Eval style: the judge scores the answer 1-5 against user-written criteria (and optional
  evaluation steps); score = (s - 1) / 4. One call.
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from llmbench.evaluators.judge.base import JudgeEvaluator, Trial
from llmbench.evaluators.judge.client import JudgeClient, UsageTally
from llmbench.evaluators.judge.prompts import (
    CORRECTNESS,
    FAITHFULNESS_CLAIMS,
    FAITHFULNESS_VERDICTS,
    RELEVANCE,
    RUBRIC,
    JudgePrompt,
    bulleted,
    numbered,
)
from llmbench.evaluators.judge.verdicts import GRADE_SCORES, ClaimChecks, rubric_score
from llmbench.types import DatasetItem

__all__ = [
    "JudgeCorrectness",
    "JudgeFaithfulness",
    "JudgeRelevance",
    "RubricEvaluator",
    "correct_references",
    "incorrect_references",
]


def correct_references(item: DatasetItem) -> list[str]:
    """``reference`` plus ``references`` when the item has them, without blanks or duplicates."""
    found = [item.reference, *(getattr(item, "references", None) or [])]
    return list(dict.fromkeys(r.strip() for r in found if isinstance(r, str) and r.strip()))


def incorrect_references(item: DatasetItem) -> list[str]:
    """Known incorrect answers of the item (``incorrect_references``), when it has any."""
    found = getattr(item, "incorrect_references", None) or []
    return list(dict.fromkeys(r.strip() for r in found if isinstance(r, str) and r.strip()))


class JudgeFaithfulness(JudgeEvaluator):
    """Share of the answer's claims that the context supports (claims extracted, then checked, by the judge)."""

    name: ClassVar[str] = "judge_faithfulness"
    needs: ClassVar[tuple[str, ...]] = ("context", "judge")
    judge_calls: ClassVar[int] = 2
    family: ClassVar[str] = "grounding"
    quality_weight: ClassVar[float | None] = 1.0
    prompts: ClassVar[tuple[JudgePrompt[Any], ...]] = (FAITHFULNESS_CLAIMS, FAITHFULNESS_VERDICTS)

    def inputs(self, item: DatasetItem, response: str) -> dict[str, str] | None:
        if not item.context or not item.context.strip():
            return None
        return {"question": item.prompt, "answer": response, "context": item.context}

    async def trial(self, values: dict[str, str], item: DatasetItem, tally: UsageTally, repeat: int) -> Trial:
        extracted = await self.judge.ask(FAITHFULNESS_CLAIMS, values, item, tally, repeat=repeat, repeats=self.repeats)
        claims = [c.strip() for c in extracted.claims if c.strip()]
        if not claims:
            return Trial(1.0, {"claims": [], "vacuous": True})

        def one_per_claim(checked: ClaimChecks) -> str | None:
            n = len(checked.verdicts)
            return None if n == len(claims) else f"{n} verdict(s) for {len(claims)} claim(s)"

        checked = await self.judge.ask(
            FAITHFULNESS_VERDICTS,
            {"context": values["context"], "claims": numbered(claims)},
            item,
            tally,
            repeat=repeat,
            repeats=self.repeats,
            check=one_per_claim,
        )
        supported = sum(v.supported for v in checked.verdicts)
        claim_details = [
            {"claim": c, "supported": v.supported, "reason": v.reason}
            for c, v in zip(claims, checked.verdicts, strict=True)
        ]
        return Trial(supported / len(claims), {"claims": claim_details})


class JudgeCorrectness(JudgeEvaluator):
    """Graded agreement with the reference answers: correct 1, partially correct 0.5, incorrect 0."""

    name: ClassVar[str] = "judge_correctness"
    needs: ClassVar[tuple[str, ...]] = ("reference", "judge")
    uses: ClassVar[tuple[str, ...]] = ("incorrect_references",)
    judge_calls: ClassVar[int] = 1
    family: ClassVar[str] = "correctness"
    quality_weight: ClassVar[float | None] = 2.0
    prompts: ClassVar[tuple[JudgePrompt[Any], ...]] = (CORRECTNESS,)

    def inputs(self, item: DatasetItem, response: str) -> dict[str, str] | None:
        references = correct_references(item)
        if not references:
            return None
        values = {"question": item.prompt, "answer": response, "references": bulleted(references)}
        incorrect = incorrect_references(item)
        if incorrect:
            values["incorrect_answers"] = bulleted(incorrect)
        return values

    async def trial(self, values: dict[str, str], item: DatasetItem, tally: UsageTally, repeat: int) -> Trial:
        verdict = await self.judge.ask(CORRECTNESS, values, item, tally, repeat=repeat, repeats=self.repeats)
        return Trial(GRADE_SCORES[verdict.grade], {"grade": verdict.grade, "reasoning": verdict.reasoning})


class JudgeRelevance(JudgeEvaluator):
    """Share of the answer's statements that help answer the question."""

    name: ClassVar[str] = "judge_relevance"
    needs: ClassVar[tuple[str, ...]] = ("judge",)
    judge_calls: ClassVar[int] = 1
    family: ClassVar[str] = "grounding"
    quality_weight: ClassVar[float | None] = 0.5
    prompts: ClassVar[tuple[JudgePrompt[Any], ...]] = (RELEVANCE,)

    def inputs(self, item: DatasetItem, response: str) -> dict[str, str] | None:
        return {"question": item.prompt, "answer": response}

    async def trial(self, values: dict[str, str], item: DatasetItem, tally: UsageTally, repeat: int) -> Trial:
        verdict = await self.judge.ask(RELEVANCE, values, item, tally, repeat=repeat, repeats=self.repeats)
        statements = verdict.statements
        relevant = sum(s.relevant for s in statements)
        score = relevant / len(statements) if statements else 0.0
        return Trial(score, {"statements": [s.model_dump() for s in statements]})


class RubricEvaluator(JudgeEvaluator):
    """A 1-5 score against user-written criteria, mapped onto [0, 1]. Built per rubric by :meth:`for_rubric`."""

    name: ClassVar[str] = "rubric"
    needs: ClassVar[tuple[str, ...]] = ("judge",)
    judge_calls: ClassVar[int] = 1
    quality_weight: ClassVar[float | None] = 1.0
    prompts: ClassVar[tuple[JudgePrompt[Any], ...]] = (RUBRIC,)
    criteria: ClassVar[str] = ""
    steps: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def for_rubric(cls, metric: str, criteria: str, steps: tuple[str, ...] = ()) -> type[RubricEvaluator]:
        """The evaluator class of one configured rubric, registered under ``metric`` (e.g. ``rubric:tone``)."""
        attrs = {"name": metric, "criteria": criteria.strip(), "steps": tuple(steps)}
        return type(f"Rubric[{metric}]", (cls,), attrs)

    def __init__(self, judge: JudgeClient, *, repeats: int = 1) -> None:
        if not self.criteria:
            raise TypeError("RubricEvaluator needs criteria: build its class with RubricEvaluator.for_rubric()")
        super().__init__(judge, repeats=repeats)

    def extra_details(self) -> dict[str, Any]:
        text = "\n".join([self.criteria, *self.steps])
        return {"rubric": {"metric": self.name, "fingerprint": hashlib.sha256(text.encode()).hexdigest()[:12]}}

    def inputs(self, item: DatasetItem, response: str) -> dict[str, str] | None:
        values = {"criteria": self.criteria, "question": item.prompt, "answer": response}
        if self.steps:
            values["steps"] = numbered(list(self.steps))
        if item.context:
            values["context"] = item.context
        references = correct_references(item)
        if references:
            values["references"] = bulleted(references)
        return values

    async def trial(self, values: dict[str, str], item: DatasetItem, tally: UsageTally, repeat: int) -> Trial:
        verdict = await self.judge.ask(RUBRIC, values, item, tally, repeat=repeat, repeats=self.repeats)
        return Trial(rubric_score(verdict.score), {"score_1_to_5": verdict.score, "reasoning": verdict.reasoning})
