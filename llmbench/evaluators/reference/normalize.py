"""SQuAD-style answer normalisation, shared by exact match and token F1.

Lowercase, drop punctuation, drop the articles "a", "an" and "the", collapse whitespace: the normalisation of
the SQuAD evaluation script, so that figures compare with the ones users know. Letters of any alphabet are kept.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["answer_tokens", "normalize_answer"]

_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_answer(text: str) -> str:
    """``text`` lowercased, without punctuation or articles, with single spaces."""
    lowered = text.lower()
    no_punctuation = "".join(" " if unicodedata.category(c).startswith("P") else c for c in lowered)
    return " ".join(_ARTICLES.sub(" ", no_punctuation).split())


def answer_tokens(text: str) -> list[str]:
    """The whitespace tokens of :func:`normalize_answer`."""
    return normalize_answer(text).split()
