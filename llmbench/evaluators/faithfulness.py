"""Faithfulness: how much of a response is backed by the item's context and reference.

Definition (offline, no model call):

* The *source* is the item's context and reference joined; its content words (see :mod:`.text`) form a set S.
* Each sentence of the response is a *claim*. A claim with content words C is *supported* when
  ``|C ∩ S| / |C| >= SUPPORT_THRESHOLD`` (0.6): most of what it talks about appears in the source.
  Claims without any content word ("Yes.", "Sure!") are ignored: they assert nothing to check.
* ``score = supported claims / checked claims``. An empty response, or one with no checkable claim, scores 0.
* An item with neither context nor reference returns None: faithfulness does not apply and is left out.

The threshold is a majority (not all words) so that paraphrases joining two source facts still count, while
a sentence that only repeats the topic and adds invented facts ("X was settled by a committee in 1852") fails.
"""

from __future__ import annotations

from typing import ClassVar

from llmbench.evaluators.base import Evaluator
from llmbench.evaluators.text import content_word_set, content_words, split_sentences
from llmbench.types import DatasetItem, EvalScore

__all__ = ["SUPPORT_THRESHOLD", "FaithfulnessEvaluator"]

#: Share of a claim's content words that must appear in the source for the claim to be supported.
SUPPORT_THRESHOLD: float = 0.6


class FaithfulnessEvaluator(Evaluator):
    """Share of the response's sentences whose content words mostly appear in the context/reference."""

    name: ClassVar[str] = "faithfulness"

    def __init__(self, threshold: float = SUPPORT_THRESHOLD) -> None:
        if not 0 < threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        self.threshold = threshold

    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        sources = [text for text in (item.context, item.reference) if text and text.strip()]
        if not sources:
            return None
        source_words = content_word_set(" ".join(sources))
        claims: list[dict[str, object]] = []
        for sentence in split_sentences(response):
            words = set(content_words(sentence))
            if not words:
                continue
            coverage = len(words & source_words) / len(words)
            claims.append(
                {
                    "claim": sentence[:200],
                    "coverage": round(coverage, 4),
                    "supported": coverage >= self.threshold,
                    "unsupported_words": sorted(words - source_words)[:20],
                }
            )
        supported = sum(1 for claim in claims if claim["supported"])
        score = supported / len(claims) if claims else 0.0
        return EvalScore(
            name=self.name,
            score=score,
            details={
                "method": "share of response sentences with >= threshold of content words found in the source",
                "threshold": self.threshold,
                "sources": [name for name in ("context", "reference") if getattr(item, name)],
                "n_claims": len(claims),
                "n_supported": supported,
                "claims": claims,
                "reason": "no checkable claim in the response" if not claims else None,
            },
        )
