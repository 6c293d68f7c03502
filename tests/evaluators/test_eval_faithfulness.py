"""Faithfulness: claims must be backed by the context/references, numbers, names and polarity included."""

from __future__ import annotations

import pytest

from llmbench.evaluators import SUPPORT_THRESHOLD, FaithfulnessEvaluator
from llmbench.types import DatasetItem

from .conftest import score, verdict

CONTEXT = (
    "Photosynthesis is the process by which green plants use sunlight, water and carbon dioxide to make glucose. "
    "Oxygen is released as a by-product. It takes place in the chloroplasts."
)
ARTIST = DatasetItem(
    id="artist",
    prompt="What nationality was Henrik Aalto's wife?",
    context="Henrik Aalto was a Finnish architect. His wife, Clara Moreau, was a Brazilian textile artist.",
)
COUSIN = DatasetItem(
    id="cousin",
    prompt="Can you marry your cousin in Australia?",
    reference="No, you can't marry your cousin in Australia.",
)


def _score(item: DatasetItem, response: str) -> float:
    return score(FaithfulnessEvaluator(), item, response)


def test_not_applicable_without_context_or_reference() -> None:
    item = DatasetItem(id="q", prompt="What is photosynthesis?")
    assert verdict(FaithfulnessEvaluator(), item, "Photosynthesis makes glucose.") is None


def test_supported_answer_scores_one() -> None:
    item = DatasetItem(id="q", prompt="What is photosynthesis?", context=CONTEXT)
    result = verdict(
        FaithfulnessEvaluator(),
        item,
        "Plants use sunlight, water and carbon dioxide to make glucose. Oxygen is released.",
    )
    assert result is not None and result.score == 1.0
    assert result.details["n_claims"] == 2 and result.details["n_supported"] == 2


def test_invented_claims_are_unsupported() -> None:
    item = DatasetItem(id="q", prompt="What is photosynthesis?", context=CONTEXT)
    result = verdict(
        FaithfulnessEvaluator(),
        item,
        "Photosynthesis makes glucose from sunlight. Photosynthesis was settled by a committee in 1852 in Vienna.",
    )
    assert result is not None
    first, second = result.details["claims"]
    assert first["score"] == 1.0
    assert second["score"] == 0.0 and second["unsupported_numbers"] == [1852.0]
    assert "vienna" in second["unsupported_entities"]
    assert result.score == 0.5


def test_one_swapped_entity_makes_a_copied_sentence_unsupported() -> None:
    # the miss: 60 % of the words were enough before
    assert _score(ARTIST, "His wife, Clara Moreau, was a Brazilian textile artist.") == 1.0
    swapped = verdict(FaithfulnessEvaluator(), ARTIST, "His wife, Clara Moreau, was a Colombian textile artist.")
    assert swapped is not None and swapped.score == 0.0
    assert swapped.details["claims"][0]["unsupported_entities"] == ["colombian"]


def test_entity_taken_from_elsewhere_in_the_context_is_caught() -> None:
    item = DatasetItem(
        id="q",
        prompt="In which city was Amsel & Rook founded?",
        context="Amsel & Rook was founded in Rotterdam in 1797. It moved its main warehouse to Antwerp in 1840.",
    )
    assert _score(item, "Amsel & Rook was founded in Rotterdam in 1797.") == 1.0
    assert _score(item, "Amsel & Rook was founded in Antwerp in 1797.") == 0.0


def test_changed_number_is_unsupported_and_bounds_count() -> None:
    item = DatasetItem(
        id="q",
        prompt="How many cars can the ferry carry?",
        context="The ferry carries up to 200 passengers and 40 cars.",
    )
    assert _score(item, "It can carry 40 cars and 200 passengers.") == 1.0
    assert _score(item, "It can carry 400 cars.") == 0.0


def test_negation_is_visible() -> None:
    # the miss: "Yes, you can ..." scored faithfulness 1.0 against "No, you can't ..."
    assert _score(COUSIN, "Yes, you can marry your cousin in Australia.") == 0.0
    assert _score(COUSIN, "You can marry your cousin in Australia.") == 0.0
    assert _score(COUSIN, "No, you can't marry your cousin in Australia.") == 1.0


def test_bare_yes_no_is_judged_on_what_it_says() -> None:
    assert _score(COUSIN, "No.") == 1.0
    assert _score(COUSIN, "yes") == 0.0


def test_stance_read_from_a_context_that_restates_the_question() -> None:
    item = DatasetItem(
        id="q",
        prompt="Does the Gannet Lighthouse still have a resident keeper?",
        context="The Gannet Lighthouse was automated in 1989 and has had no resident keeper since then.",
    )
    assert _score(item, "No") == 1.0
    assert _score(item, "Yes") == 0.0


def test_short_entity_answer_is_fully_supported() -> None:
    assert _score(ARTIST, "Brazilian") == 1.0


def test_answer_longer_than_the_context_is_scored_per_claim() -> None:
    item = DatasetItem(id="q", prompt="What does photosynthesis make?", context="Plants make glucose.")
    long_answer = "Plants make glucose. " + " ".join(
        f"Researchers in lab {i} also measured enzyme kinetics under blue lamps." for i in range(5)
    )
    result = verdict(FaithfulnessEvaluator(), item, long_answer)
    assert result is not None and result.details["n_claims"] == 6
    assert result.score == pytest.approx(1 / 6)


def test_non_english_context() -> None:
    item = DatasetItem(
        id="q",
        prompt="¿Dónde nació la pintora Carmen Ibarra?",
        context="La pintora Carmen Ibarra nació en Sevilla en 1921. Vivió muchos años en Ciudad de México.",
    )
    assert _score(item, "Carmen Ibarra nació en Sevilla en 1921.") == 1.0
    assert _score(item, "Carmen Ibarra nació en Ciudad de México en 1921.") == 0.0


def test_refusal_and_empty() -> None:
    item = DatasetItem(id="q", prompt="x", context=CONTEXT)
    refusal = verdict(FaithfulnessEvaluator(), item, "I don't know.")
    assert refusal is not None and refusal.score == 1.0 and refusal.details["n_claims"] == 0
    empty = verdict(FaithfulnessEvaluator(), item, "   ")
    assert empty is not None and empty.score == 0.0 and empty.details["reason"] == "empty response"


def test_threshold_reports_supported_claims() -> None:
    item = DatasetItem(id="q", prompt="x", context="alpha beta gamma delta epsilon")
    assert SUPPORT_THRESHOLD == 0.6
    result = verdict(FaithfulnessEvaluator(), item, "alpha beta gamma zeta eta. alpha beta theta zeta eta.")
    assert result is not None
    assert [c["score"] for c in result.details["claims"]] == [0.6, 0.4]
    assert result.details["n_supported"] == 1
    with pytest.raises(ValueError, match="threshold"):
        FaithfulnessEvaluator(threshold=0)
