"""Coherence: is the response readable text rather than a loop, a wall of words or noise? Length is not a fault.

Definition (offline, no model call), over the lowercase words W of the response (see :mod:`.text`):

* ``diversity`` = moving-average type–token ratio of W over windows of 25 words (plain ratio when shorter),
  divided by 0.6 and capped at 1: ordinary prose sits above 0.6, so only loops of one phrase lose here.
* ``non_repetition`` = 1 − share of word trigrams that repeat an earlier trigram (1 with fewer than 3 words);
  ``distinct_sentences`` = 1 − share of sentences that repeat an earlier one, case-insensitively.
* ``structure`` = 1 up to 40 words per sentence on average, falling linearly to 0 at 100 (an unpunctuated
  wall of text), times 1 − the share of visible characters that are neither letters, digits nor ordinary
  punctuation (noise such as "#### $$$ @@@" lowers it). One or two words are a complete answer: "Delhi" and
  "No." score 1.
* ``score = 0.35 · diversity + 0.35 · non_repetition + 0.15 · distinct_sentences + 0.15 · structure``.
* An empty response (no words) scores 0.

"X is important. X is important. X is important." scores ≈ 0.5 where a normal paragraph or a one-word answer
scores 1.
"""

from __future__ import annotations

from typing import ClassVar

from llmbench.evaluators.base import Evaluator
from llmbench.evaluators.text import split_sentences, tokenize
from llmbench.types import DatasetItem, EvalScore

__all__ = ["CoherenceEvaluator", "length_sanity", "moving_type_token_ratio", "noise_share", "repeated_trigram_share"]

_WINDOW = 25
_PROSE_DIVERSITY = 0.6
_WEIGHTS = {"diversity": 0.35, "non_repetition": 0.35, "distinct_sentences": 0.15, "structure": 0.15}


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
    """1 up to 40 words per sentence, linear to 0 at 100: short is fine, an unpunctuated wall is not."""
    if mean_sentence_words <= 40:
        return 1.0
    return max(0.0, 1 - (mean_sentence_words - 40) / 60)


_PUNCTUATION = frozenset(".,;:!?'\"()[]-–—%/&¿¡«»“”‘’…。，、；：！？「」『』（）《》")


def noise_share(text: str) -> float:
    """Share of visible characters that are neither letters, digits nor ordinary punctuation."""
    visible = [c for c in text if not c.isspace()]
    noise = sum(1 for c in visible if not c.isalnum() and c not in _PUNCTUATION)
    return noise / len(visible) if visible else 0.0


class CoherenceEvaluator(Evaluator):
    """Diversity, repetition and structure combined into one score; never a penalty for brevity."""

    name: ClassVar[str] = "coherence"
    family: ClassVar[str] = "format"

    async def evaluate(self, item: DatasetItem, response: str) -> EvalScore | None:
        words = tokenize(response)
        if not words:
            return EvalScore(name=self.name, score=0.0, details={"reason": "empty response"})
        sentences = split_sentences(response)
        sentence_lengths = [n for n in (len(tokenize(s)) for s in sentences) if n] or [len(words)]
        normalised = [s for s in (" ".join(tokenize(s)) for s in sentences) if s]
        duplicates = 1 - len(set(normalised)) / len(normalised) if normalised else 0.0
        mean_length = sum(sentence_lengths) / len(sentence_lengths)
        components = {
            "diversity": min(1.0, moving_type_token_ratio(words) / _PROSE_DIVERSITY),
            "non_repetition": 1 - repeated_trigram_share(words),
            "distinct_sentences": 1 - duplicates,
            "structure": length_sanity(mean_length) * (1 - noise_share(response)),
        }
        score = sum(_WEIGHTS[k] * v for k, v in components.items())
        return EvalScore(
            name=self.name,
            score=min(1.0, max(0.0, score)),
            details={
                "method": "weighted mean of diversity, non-repetition, distinct sentences, structure",
                "weights": dict(_WEIGHTS),
                **{k: round(v, 4) for k, v in components.items()},
                "n_words": len(words),
                "n_sentences": len(sentence_lengths),
                "mean_sentence_words": round(mean_length, 2),
            },
        )
