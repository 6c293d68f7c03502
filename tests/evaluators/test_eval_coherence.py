"""Coherence: loops, walls of text and noise score lower than prose; length alone is never a fault."""

from __future__ import annotations

import pytest

from llmbench.evaluators import CoherenceEvaluator
from llmbench.evaluators.coherence import length_sanity, moving_type_token_ratio, noise_share, repeated_trigram_share
from llmbench.types import DatasetItem

from .conftest import score, verdict

ITEM = DatasetItem(id="q", prompt="Why is X important?")
PARAGRAPH = (
    "Photosynthesis converts light energy into chemical energy. Chlorophyll in the leaves absorbs mostly red and "
    "blue light. The energy splits water molecules, releasing oxygen, and the plant then fixes carbon dioxide "
    "into sugars through the Calvin cycle."
)


def _score(response: str) -> float:
    return score(CoherenceEvaluator(), ITEM, response)


def test_repetition_scores_clearly_lower_than_a_paragraph() -> None:
    repetitive = _score("X is important. X is important. X is important.")
    assert _score(PARAGRAPH) == pytest.approx(1.0)
    assert repetitive < 0.55


def test_short_answers_are_not_penalised() -> None:
    # the seed penalised 1–2-word answers; a bare "Delhi" or "No." is a complete answer
    assert _score("Delhi") == 1.0
    assert _score("No.") == 1.0
    assert _score("And There's More") == 1.0


def test_empty_response_scores_zero() -> None:
    assert _score("") == 0.0
    assert _score("  ... !!") == 0.0


def test_details_explain_the_score() -> None:
    result = verdict(CoherenceEvaluator(), ITEM, "X is important. X is important. X is important.")
    assert result is not None
    assert result.details["distinct_sentences"] == pytest.approx(1 / 3, abs=1e-3)
    assert result.details["diversity"] == pytest.approx((3 / 9) / 0.6, abs=1e-3)
    assert result.details["non_repetition"] == pytest.approx(3 / 7, abs=1e-3)


def test_components() -> None:
    assert repeated_trigram_share(["a", "b", "c", "a", "b", "c"]) == pytest.approx(0.25)
    assert moving_type_token_ratio(["w"] * 50) == pytest.approx(1 / 25)
    assert length_sanity(1) == 1.0
    assert length_sanity(40) == 1.0
    assert length_sanity(100) == 0.0
    assert noise_share("#### $$$") == 1.0
    assert noise_share("Plain words, with punctuation!") == 0.0


def test_wall_of_text_and_noise_are_penalised() -> None:
    words = [f"word{i}" for i in range(120)]
    assert _score(" ".join(words)) < 0.9
    assert _score("@@@ ### $$$ %%% answer ^^^ ***") < 0.95


def test_non_english_and_non_latin_text_is_prose() -> None:
    assert _score("Die Brücke von Altmühl ist 240 Meter lang und verbindet zwei Dörfer.") == pytest.approx(1.0)
    assert _score("光合作用把光能转化为化学能。") == pytest.approx(1.0)
