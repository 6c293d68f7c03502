"""Faithfulness: is what the answer claims backed by the item's context and correct references?

Definition (offline, no model call). The *source* is the context plus the correct references; the question's
own words count as given (repeating them is neither support nor a hallucination). Each sentence (or ``;``
clause) of the answer is a *claim*; its content-word stems C (see :mod:`.text`) and its facts (see :mod:`.facts`):

* ``coverage`` = share of C found in the source.
* The claim is *unsupported* (score 0) when it states a number the source does not (within the item's
  tolerance, bound and unit: :mod:`.quantities`), names an entity the source does not ("Brazilian" →
  "Colombian" is enough), puts another entity of the source in a source clause's place ("founded in Antwerp"
  where the source says "founded in Rotterdam" and mentions Antwerp elsewhere, unless one source sentence
  holds all the claim's words), or has a clause of opposite
  polarity to a source clause about the same thing (:func:`~llmbench.evaluators.facts.contradicts`).
  Otherwise its score is its coverage.
* A leading yes/no ("No, ...", a bare "Yes") is a claim too when the expected stance is known: from a reference
  that states one, or from a context sentence that restates the yes/no question (≥ 75 % of its words). It
  scores 1 when it agrees and 0 when it does not. (The context sentence must also name the question's entities.)
* ``score`` = mean claim score; ``n_supported`` counts claims scoring at least ``SUPPORT_THRESHOLD`` (0.6).
* An answer with no checkable claim (a bare "yes" that nothing in the source settles, a refusal) claims
  nothing unsupported and scores 1; an empty answer scores 0. Without context and reference: None.

Short answers are judged on what they say: "Delhi" is fully supported when the context names Delhi.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from llmbench.evaluators.base import Evaluator
from llmbench.evaluators.facts import TextFacts, analyse, contradicts, implied_stance, is_yes_no_question, swaps_entity
from llmbench.evaluators.quantities import Quantity, agree
from llmbench.evaluators.text import split_sentences
from llmbench.types import DatasetItem, EvalScore

__all__ = ["SUPPORT_THRESHOLD", "FaithfulnessEvaluator"]

#: Claim score from which a claim is reported as supported (the score itself is continuous).
SUPPORT_THRESHOLD: float = 0.6
_RESTATES_QUESTION = 0.75


@dataclass(frozen=True)
class _Source:
    stems: frozenset[str]
    quantities: tuple[Quantity, ...]
    sentences: tuple[TextFacts, ...]
    question: frozenset[str]
    stance: str | None


def _source(item: DatasetItem, question: TextFacts, yes_no: bool) -> _Source | None:
    texts = [t for t in (item.context, *item.correct_references) if t and t.strip()]
    if not texts:
        return None
    sentences = tuple(analyse(s) for text in texts for s in split_sentences(text))
    stems = frozenset().union(question.stems, *(s.stems for s in sentences))
    found = tuple(q for facts in (question, *sentences) for q in facts.quantities if not q.vague)
    stance = _expected_stance(item, question, sentences) if yes_no else None
    return _Source(stems, found, sentences, question.stems, stance)


def _expected_stance(item: DatasetItem, question: TextFacts, sentences: tuple[TextFacts, ...]) -> str | None:
    for reference in item.correct_references:
        stance = implied_stance(analyse(reference), question)
        if stance is not None:
            return stance
    if not question.stems:
        return None
    for sentence in sentences:
        restates = len(sentence.stems & question.stems) / len(question.stems) >= _RESTATES_QUESTION
        if restates and question.entities <= sentence.stems:
            return "no" if sentence.negated else "yes"
    return None


def _check(claim: TextFacts, source: _Source, tolerances: tuple[float, float]) -> dict[str, object]:
    supported = claim.stems & source.stems
    coverage = len(supported) / len(claim.stems) if claim.stems else 1.0
    numbers = [q.value for q in claim.quantities if not any(agree(q, s, *tolerances) for s in source.quantities)]
    entities = sorted(claim.entities - source.stems)
    contradicted = any(contradicts(claim, sentence) for sentence in source.sentences)
    whole = any(claim.stems <= sentence.stems | source.question for sentence in source.sentences)
    swapped = not whole and any(swaps_entity(claim, sentence) for sentence in source.sentences)
    score = 0.0 if numbers or entities or contradicted or swapped else coverage
    return {
        "claim": claim.text[:200],
        "score": round(score, 4),
        "coverage": round(coverage, 4),
        "unsupported_words": sorted(claim.stems - source.stems)[:20],
        "unsupported_numbers": numbers[:10],
        "unsupported_entities": entities[:10],
        "contradicts_source": contradicted,
        "swaps_entity": swapped,
    }


class FaithfulnessEvaluator(Evaluator):
    """Mean support of the answer's claims by the context and references, with numbers, names and polarity."""

    name: ClassVar[str] = "faithfulness"
    needs: ClassVar[tuple[str, ...]] = ("context or reference",)
    family: ClassVar[str] = "grounding"

    def __init__(self, threshold: float = SUPPORT_THRESHOLD) -> None:
        if not 0 < threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        self.threshold = threshold

    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        question = analyse(item.prompt)
        yes_no = is_yes_no_question(item.prompt) or any(analyse(r).stance for r in item.correct_references)
        source = _source(item, question, yes_no)
        if source is None:
            return None
        details: dict[str, object] = {
            "method": "mean claim support; unsupported number/entity or contradicted polarity scores 0",
            "sources": [name for name in ("context", "reference") if _has(item, name)],
        }
        if analyse(response).empty:
            return EvalScore(name=self.name, score=0.0, details={**details, "reason": "empty response"})
        claims = self._claims(response, source, item.tolerances())
        scores = [float(c["score"]) for c in claims]  # type: ignore[arg-type]
        details.update(
            threshold=self.threshold,
            n_claims=len(claims),
            n_supported=sum(1 for s in scores if s >= self.threshold),
            claims=claims,
            reason=None if claims else "no checkable claim: nothing unsupported is said",
        )
        return EvalScore(name=self.name, score=sum(scores) / len(scores) if scores else 1.0, details=details)

    def _claims(self, response: str, source: _Source, tolerances: tuple[float, float]) -> list[dict[str, object]]:
        claims: list[dict[str, object]] = []
        for index, sentence in enumerate(split_sentences(response)):
            facts = analyse(sentence)
            if index == 0 and facts.stance is not None and source.stance is not None:
                agrees = facts.stance == source.stance
                claims.append({"claim": f"stance: {facts.stance}", "score": float(agrees), "stance_agrees": agrees})
            if facts.refusal or not (facts.stems or facts.numbers):
                continue
            claims.append(_check(facts, source, tolerances))
        return claims


def _has(item: DatasetItem, name: str) -> bool:
    return bool(item.context) if name == "context" else bool(item.correct_references)
