"""Faithfulness: share of the response's sentences backed by the context/reference."""

from __future__ import annotations

import asyncio

from llmbench.evaluators import SUPPORT_THRESHOLD, FaithfulnessEvaluator
from llmbench.types import DatasetItem

CONTEXT = (
    "Photosynthesis is the process by which green plants use sunlight, water and carbon dioxide to make glucose. "
    "Oxygen is released as a by-product. It takes place in the chloroplasts."
)


def _score(item: DatasetItem, response: str):
    return asyncio.run(FaithfulnessEvaluator().evaluate(item, response))


def test_not_applicable_without_context_or_reference() -> None:
    item = DatasetItem(id="q", prompt="What is photosynthesis?")
    assert _score(item, "Photosynthesis makes glucose.") is None


def test_supported_answer_scores_one() -> None:
    item = DatasetItem(id="q", prompt="What is photosynthesis?", context=CONTEXT)
    result = _score(item, "Plants use sunlight, water and carbon dioxide to make glucose. Oxygen is released.")
    assert result is not None
    assert result.score == 1.0
    assert result.details["n_claims"] == 2
    assert result.details["n_supported"] == 2


def test_invented_claims_are_unsupported() -> None:
    item = DatasetItem(id="q", prompt="What is photosynthesis?", context=CONTEXT)
    result = _score(
        item,
        "Photosynthesis makes glucose from sunlight. Photosynthesis was settled by a committee in 1852 in Vienna.",
    )
    assert result is not None
    assert result.score == 0.5
    claims = result.details["claims"]
    assert [c["supported"] for c in claims] == [True, False]
    assert "committee" in claims[1]["unsupported_words"]


def test_off_topic_answer_scores_zero_against_reference() -> None:
    item = DatasetItem(id="q", prompt="Capital of France?", reference="Paris is the capital of France.")
    result = _score(item, "The weather in coastal towns changes quickly, so travellers should pack a light jacket.")
    assert result is not None
    assert result.score == 0.0
    assert result.details["sources"] == ["reference"]


def test_threshold_is_a_majority_of_content_words() -> None:
    item = DatasetItem(id="q", prompt="x", context="alpha beta gamma delta epsilon")
    # 3 of 5 content words in the source: exactly 0.6 → supported; 2 of 5 → not.
    assert SUPPORT_THRESHOLD == 0.6
    supported = _score(item, "alpha beta gamma zeta eta.")
    unsupported = _score(item, "alpha beta theta zeta eta.")
    assert supported is not None and supported.score == 1.0
    assert unsupported is not None and unsupported.score == 0.0


def test_empty_response_scores_zero() -> None:
    item = DatasetItem(id="q", prompt="x", context=CONTEXT)
    result = _score(item, "   ")
    assert result is not None
    assert result.score == 0.0
    assert result.details["reason"]
