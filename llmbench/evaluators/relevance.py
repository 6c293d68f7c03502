"""Relevance: does the response talk about what the prompt asks (and, when known, what the reference says)?

Definition (offline, no model call), with P, R, F the content-word sets (see :mod:`.text`) of the question,
response and reference. The *question* is the prompt plus the item's context when there is one: "Summarize the
text." is about the text it comes with, not about the word "summarize".

* ``prompt_overlap = |P ∩ R| / min(|P|, |R|)`` (overlap coefficient). The ``min`` lets a short answer to a
  long prompt, or a long answer to a short prompt, still reach 1 when it stays on the prompt's words.
* ``prompt_cosine`` = cosine of the prompt and response term-frequency vectors (reported, used below).
* ``prompt_score = 0.7 · prompt_overlap + 0.3 · prompt_cosine``: overlap says "on topic", cosine rewards
  answers whose vocabulary is centred on the topic rather than mentioning it once.
* With a reference: ``reference_score`` = cosine(reference, response) and
  ``score = 0.5 · prompt_score + 0.5 · reference_score``; without one, ``score = prompt_score``.
* Empty response → 0. A prompt without any content word and no reference → None (nothing to compare).

Text about an unrelated subject shares no content word with the prompt and scores near 0.
"""

from __future__ import annotations

from typing import ClassVar

from llmbench.evaluators.base import Evaluator
from llmbench.evaluators.text import content_words, cosine, term_frequencies
from llmbench.types import DatasetItem, EvalScore

__all__ = ["RelevanceEvaluator"]

_OVERLAP_WEIGHT = 0.7
_REFERENCE_WEIGHT = 0.5


class RelevanceEvaluator(Evaluator):
    """Prompt–response content-word overlap and cosine, blended with response–reference cosine when known."""

    name: ClassVar[str] = "relevance"

    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        prompt_tf = term_frequencies(content_words(f"{item.prompt}\n{item.context or ''}"))
        reference_tf = term_frequencies(content_words(item.reference or ""))
        if not prompt_tf and not reference_tf:
            return None
        response_tf = term_frequencies(content_words(response))
        details: dict[str, object] = {"method": "0.7*overlap + 0.3*cosine vs prompt; averaged with reference cosine"}
        if not response_tf:
            details["reason"] = "response has no content words"
            return EvalScore(name=self.name, score=0.0, details=details)

        parts: list[float] = []
        if prompt_tf:
            shared = set(prompt_tf) & set(response_tf)
            overlap = len(shared) / min(len(prompt_tf), len(response_tf))
            prompt_cos = cosine(prompt_tf, response_tf)
            prompt_score = _OVERLAP_WEIGHT * overlap + (1 - _OVERLAP_WEIGHT) * prompt_cos
            parts.append(prompt_score)
            details.update(
                prompt_overlap=round(overlap, 4),
                prompt_cosine=round(prompt_cos, 4),
                prompt_score=round(prompt_score, 4),
                shared_prompt_words=sorted(shared)[:20],
            )
        if reference_tf:
            reference_score = cosine(reference_tf, response_tf)
            parts.append(reference_score)
            details["reference_score"] = round(reference_score, 4)
        score = (1 - _REFERENCE_WEIGHT) * parts[0] + _REFERENCE_WEIGHT * parts[1] if len(parts) == 2 else parts[0]
        return EvalScore(name=self.name, score=min(1.0, max(0.0, score)), details=details)
