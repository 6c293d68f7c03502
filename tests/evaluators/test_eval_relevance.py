"""Relevance: on-topic answers beat off-topic ones."""

from __future__ import annotations

import asyncio

from llmbench.evaluators import RelevanceEvaluator
from llmbench.types import DatasetItem

PROMPT = "Explain how photosynthesis works in plants."
ON_TOPIC = (
    "Photosynthesis is how plants turn sunlight, water and carbon dioxide into glucose, releasing oxygen; "
    "it works inside the chloroplasts."
)
OFF_TOPIC = "The weather in coastal towns changes quickly, so travellers should pack a light jacket."


def _score(item: DatasetItem, response: str) -> float:
    result = asyncio.run(RelevanceEvaluator().evaluate(item, response))
    assert result is not None
    assert 0.0 <= result.score <= 1.0
    return result.score


def test_off_topic_scores_low_and_on_topic_higher() -> None:
    item = DatasetItem(id="q", prompt=PROMPT)
    off = _score(item, OFF_TOPIC)
    on = _score(item, ON_TOPIC)
    assert off < 0.1
    assert on > 0.5
    assert on - off > 0.4


def test_reference_similarity_counts_when_present() -> None:
    item = DatasetItem(
        id="q",
        prompt="What do plants need?",
        reference="Plants need sunlight, water, carbon dioxide and nutrients from the soil.",
    )
    close = asyncio.run(
        RelevanceEvaluator().evaluate(item, "Plants need sunlight, water, carbon dioxide and soil nutrients.")
    )
    vague = asyncio.run(RelevanceEvaluator().evaluate(item, "Plants need care."))
    assert close is not None and vague is not None
    assert "reference_score" in close.details
    assert close.details["reference_score"] > vague.details["reference_score"]
    assert close.score > vague.score


def test_empty_response_scores_zero() -> None:
    item = DatasetItem(id="q", prompt=PROMPT)
    assert _score(item, "") == 0.0


def test_not_applicable_without_any_content_word() -> None:
    item = DatasetItem(id="q", prompt="Why is it so?")
    assert asyncio.run(RelevanceEvaluator().evaluate(item, "Because.")) is None


def test_context_is_part_of_the_question() -> None:
    item = DatasetItem(
        id="q",
        prompt="Summarize the text.",
        context="Rayleigh scattering makes blue wavelengths scatter more than red ones, so the sky looks blue.",
    )
    summary = _score(item, "Blue wavelengths scatter more than red ones, which is why the sky looks blue.")
    parrot = _score(item, "Summarize the text was settled once and for all by a committee in 1852.")
    assert summary > 0.7
    assert summary > parrot + 0.4
