"""Relevance: off-topic, echoed and needlessly refused answers score 0; short answers are not penalised."""

from __future__ import annotations

from llmbench.evaluators import RelevanceEvaluator
from llmbench.types import DatasetItem

from .conftest import score, verdict

PROMPT = "Explain how photosynthesis works in plants."
CONTEXT = "Photosynthesis turns sunlight, water and carbon dioxide into glucose inside the chloroplasts of plants."
ON_TOPIC = "Plants turn sunlight, water and carbon dioxide into glucose, releasing oxygen."
OFF_TOPIC = "The weather in coastal towns changes quickly, so travellers should pack a light jacket."
WITH_CONTEXT = DatasetItem(id="q", prompt=PROMPT, context=CONTEXT)


def _score(item: DatasetItem, response: str) -> float:
    return score(RelevanceEvaluator(), item, response)


def test_off_topic_scores_zero_and_on_topic_one() -> None:
    assert _score(WITH_CONTEXT, OFF_TOPIC) == 0.0
    assert _score(WITH_CONTEXT, ON_TOPIC) == 1.0


def test_short_answers_are_judged_elsewhere() -> None:
    item = DatasetItem(id="q", prompt="Which city is the head office in?", context="The head office is in Delhi.")
    assert _score(item, "Delhi") == 1.0
    assert _score(item, "No.") == 1.0
    assert _score(item, "And There's More") == 1.0


def test_echoing_the_question_earns_nothing() -> None:
    item = DatasetItem(id="q", prompt="What is the capital city of Australia?")
    assert _score(item, "The capital city of Australia.") == 0.0
    assert _score(item, "Canberra is the capital city of Australia.") == 1.0
    grades = DatasetItem(id="q", prompt="What were Einstein's school grades in mathematics like?")
    assert _score(grades, "Einstein did very well in mathematics at school.") == 1.0  # "very well" is the answer
    yes_no = DatasetItem(id="q", prompt="Does cracking your knuckles cause arthritis?")
    assert _score(yes_no, "Cracking your knuckles causes arthritis.") == 1.0  # a restated yes/no is an answer


def test_refusal_counts_only_when_the_answer_was_available() -> None:
    assert _score(WITH_CONTEXT, "I don't know.") == 0.0
    assert _score(DatasetItem(id="q", prompt=PROMPT), "I don't know.") == 1.0


def test_question_alone_never_calls_an_answer_off_topic() -> None:
    item = DatasetItem(id="q", prompt="How do vaccines protect against disease?")
    answer = "They show the immune system a harmless germ so that it builds antibodies and memory cells in advance."
    assert _score(item, answer) == 1.0


def test_reference_is_part_of_the_topic() -> None:
    item = DatasetItem(id="q", prompt="Who won?", reference="Daniel Achebe won with his novel Low Tide.")
    assert _score(item, "The novelist Daniel Achebe took the prize for Low Tide.") == 1.0
    assert _score(item, "Bristol is known for its suspension bridge and harbour.") == 0.0


def test_empty_response_scores_zero() -> None:
    result = verdict(RelevanceEvaluator(), WITH_CONTEXT, "")
    assert result is not None and result.score == 0.0 and result.details["reason"] == "empty response"
