"""Small text helpers shared by the offline evaluators and the analysis.

Kept deliberately simple (regex words, a fixed stopword list, plural stripping) so that every score they feed
can be explained by hand; nothing here downloads a model or a corpus.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping

__all__ = [
    "STOPWORDS",
    "content_word_set",
    "content_words",
    "cosine",
    "normalize_word",
    "split_sentences",
    "term_frequencies",
    "text_similarity",
    "tokenize",
]

_STOPWORD_TEXT = """
    a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself yourselves
    let lets may might must shall us one ones get gets got make makes made thing things way ways
    please write explain describe give tell briefly brief short answer question following summarize summarise summary
"""
#: Function words that say nothing about the topic of a text; removed before any overlap is measured.
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def tokenize(text: str) -> list[str]:
    """Lowercase words and numbers of ``text``, in order, stopwords included."""
    return _WORD.findall(text.lower())


def normalize_word(word: str) -> str:
    """Fold possessives and simple plurals (``plants`` → ``plant``, ``studies`` → ``study``) so forms match."""
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace("'", "")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def content_words(text: str) -> list[str]:
    """Normalised words of ``text`` that are not stopwords, in order (repeats kept)."""
    return [normalize_word(w) for w in tokenize(text) if w not in STOPWORDS and w.split("'")[0] not in STOPWORDS]


def content_word_set(text: str) -> set[str]:
    """The distinct content words of ``text``."""
    return set(content_words(text))


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``: split after ``.``, ``!`` or ``?`` followed by space, and at line breaks."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def term_frequencies(words: Iterable[str]) -> Counter[str]:
    """Bag-of-words counts."""
    return Counter(words)


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine similarity of two sparse vectors; 0.0 when either is empty."""
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    dot = sum(v * large.get(k, 0.0) for k, v in small.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return 0.0 if norm == 0 else min(1.0, max(0.0, dot / norm))


def text_similarity(a: str, b: str) -> float:
    """Cosine similarity of the content-word term-frequency vectors of two texts, in [0, 1]."""
    return cosine(term_frequencies(content_words(a)), term_frequencies(content_words(b)))
