"""Coherence: repetition and degenerate structure score lower than normal prose."""

from __future__ import annotations

import asyncio

import pytest

from llmbench.evaluators import CoherenceEvaluator
from llmbench.evaluators.coherence import length_sanity, moving_type_token_ratio, repeated_trigram_share
from llmbench.types import DatasetItem

ITEM = DatasetItem(id="q", prompt="Why is X important?")
PARAGRAPH = (
    "Photosynthesis converts light energy into chemical energy. Chlorophyll in the leaves absorbs mostly red and "
    "blue light. The energy splits water molecules, releasing oxygen, and the plant then fixes carbon dioxide "
    "into sugars through the Calvin cycle."
)


def _score(response: str) -> float:
    result = asyncio.run(CoherenceEvaluator().evaluate(ITEM, response))
    assert result is not None
    return result.score


def test_repetition_scores_clearly_lower_than_a_paragraph() -> None:
    repetitive = _score("X is important. X is important. X is important.")
    normal = _score(PARAGRAPH)
    assert normal > 0.9
    assert repetitive < 0.5
    assert normal - repetitive > 0.4


def test_empty_response_scores_zero() -> None:
    assert _score("") == 0.0
    assert _score("  ... !!") == 0.0


def test_details_explain_the_score() -> None:
    result = asyncio.run(CoherenceEvaluator().evaluate(ITEM, "X is important. X is important. X is important."))
    assert result is not None
    assert result.details["distinct_sentences"] == pytest.approx(1 / 3, abs=1e-3)
    assert result.details["diversity"] == pytest.approx(3 / 9, abs=1e-3)
    assert result.details["non_repetition"] == pytest.approx(3 / 7, abs=1e-3)


def test_components() -> None:
    assert repeated_trigram_share(["a", "b", "c", "a", "b", "c"]) == pytest.approx(0.25)
    assert moving_type_token_ratio(["w"] * 50) == pytest.approx(1 / 25)
    assert length_sanity(10) == 1.0
    assert length_sanity(1) == 0.5
    assert length_sanity(100) == 0.0


def test_wall_of_text_without_punctuation_is_penalised() -> None:
    words = [f"word{i}" for i in range(120)]
    assert _score(" ".join(words)) < _score(PARAGRAPH)
