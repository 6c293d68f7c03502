"""Coherence: is the response readable prose rather than a loop of repeated phrases?

Definition (offline, no model call), over the lowercase words W of the response (see :mod:`.text`):

* ``diversity`` = moving-average type–token ratio of W over windows of 25 words (plain type–token ratio when
  the response is shorter). A window keeps it independent of length; loops of one phrase score low.
* ``repetition`` = share of word trigrams that repeat an earlier trigram (0 with fewer than 3 words);
  also ``duplicate_sentences`` = share of sentences that repeat an earlier one, case-insensitively.
* ``length_sanity`` = 1 when the mean sentence length is within 3–40 words, falling linearly to 0.5 at
  1 word and to 0 at 100 words: a terse answer is fine, an unpunctuated wall of text is not.
* ``score = 0.35 · diversity + 0.35 · (1 − repetition) + 0.15 · (1 − duplicate_sentences) + 0.15 · length_sanity``.
* An empty response (no words) scores 0.

"X is important. X is important. X is important." has diversity 0.33, repetition 0.57 and two of three
sentences duplicated, so it scores ≈ 0.47 where a normal paragraph scores above 0.9.
"""

from __future__ import annotations

from typing import ClassVar

from llmbench.evaluators.base import Evaluator
from llmbench.evaluators.text import split_sentences, tokenize
from llmbench.types import DatasetItem, EvalScore

__all__ = ["CoherenceEvaluator", "length_sanity", "moving_type_token_ratio", "repeated_trigram_share"]

_WINDOW = 25
_WEIGHTS = {"diversity": 0.35, "non_repetition": 0.35, "distinct_sentences": 0.15, "length_sanity": 0.15}


def moving_type_token_ratio(words: list[str], window: int = _WINDOW) -> float:
    """Mean distinct/total ratio over every window of ``window`` consecutive words."""
    if not words:
        return 0.0
    if len(words) <= window:
        return len(set(words)) / len(words)
    ratios = [len(set(words[i : i + window])) / window for i in range(len(words) - window + 1)]
    return sum(ratios) / len(ratios)


def repeated_trigram_share(words: list[str]) -> float:
    """Share of word trigrams already seen earlier in the text."""
    trigrams = [tuple(words[i : i + 3]) for i in range(len(words) - 2)]
    if not trigrams:
        return 0.0
    return 1 - len(set(trigrams)) / len(trigrams)


def length_sanity(mean_sentence_words: float) -> float:
    """1 for 3–40 words per sentence; linear to 0.5 at 1 word and to 0 at 100 words."""
    if mean_sentence_words < 3:
        return max(0.5, 0.5 + 0.25 * (mean_sentence_words - 1))
    if mean_sentence_words <= 40:
        return 1.0
    return max(0.0, 1 - (mean_sentence_words - 40) / 60)


class CoherenceEvaluator(Evaluator):
    """Lexical diversity, repetition and sentence-length sanity combined into one score."""

    name: ClassVar[str] = "coherence"

    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        words = tokenize(response)
        if not words:
            return EvalScore(name=self.name, score=0.0, details={"reason": "empty response"})
        sentences = split_sentences(response)
        sentence_lengths = [len(tokenize(s)) for s in sentences]
        sentence_lengths = [n for n in sentence_lengths if n] or [len(words)]
        normalised = [" ".join(tokenize(s)) for s in sentences]
        normalised = [s for s in normalised if s]
        duplicates = 1 - len(set(normalised)) / len(normalised) if normalised else 0.0
        mean_length = sum(sentence_lengths) / len(sentence_lengths)
        components = {
            "diversity": moving_type_token_ratio(words),
            "non_repetition": 1 - repeated_trigram_share(words),
            "distinct_sentences": 1 - duplicates,
            "length_sanity": length_sanity(mean_length),
        }
        score = sum(_WEIGHTS[k] * v for k, v in components.items())
        return EvalScore(
            name=self.name,
            score=min(1.0, max(0.0, score)),
            details={
                "method": "weighted mean of diversity, non-repetition, distinct sentences, length sanity",
                "weights": dict(_WEIGHTS),
                **{k: round(v, 4) for k, v in components.items()},
                "n_words": len(words),
                "n_sentences": len(sentence_lengths),
                "mean_sentence_words": round(mean_length, 2),
            },
        )
