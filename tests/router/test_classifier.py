import pytest

from llmbench.router import classify_task, task_scores
from llmbench.types import TaskType as T

SEED_CASES = [
    ("Write a function to sort an array", T.CODING),
    ("Summarize this article", T.SUMMARIZATION),
    ("Translate to French", T.TRANSLATION),
    ("Classify this sentiment", T.CLASSIFICATION),
    ("Write a creative story", T.CREATIVE),
    ("Solve this math problem", T.REASONING),
    ("What is Rust?", T.QUESTION_ANSWERING),
    ("Hello there", T.GENERAL),
]

HARDER_CASES = [
    # No obvious keyword.
    ("My script crashes with a KeyError when the dict is empty", T.CODING),
    ("Fix the off-by-one bug in this loop", T.CODING),
    ("def add(a, b):\n    return a - b\nWhy is this wrong?", T.CODING),
    ("Give me the gist of this report in three bullet points", T.SUMMARIZATION),
    ("TL;DR of the meeting notes below", T.SUMMARIZATION),
    ("How do you say 'good morning' in Japanese?", T.TRANSLATION),
    ("Render this paragraph into German", T.TRANSLATION),
    ("Is this review positive or negative: the food was cold", T.CLASSIFICATION),
    ("Label each email as urgent, normal or low priority", T.CLASSIFICATION),
    ("Write a haiku about autumn rain", T.CREATIVE),
    ("Once upon a time there was a dragon; continue", T.CREATIVE),
    ("What is 17 * 23?", T.REASONING),
    ("If a train travels 60 km in 45 minutes, what is its average speed?", T.REASONING),
    ("Who was the first person to reach the South Pole?", T.QUESTION_ANSWERING),
    ("Explain how photosynthesis works", T.QUESTION_ANSWERING),
    ("Thanks, that is all for today", T.GENERAL),
]


@pytest.mark.parametrize(("prompt", "expected"), SEED_CASES + HARDER_CASES)
def test_classifies(prompt: str, expected: T) -> None:
    assert classify_task(prompt) == expected, task_scores(prompt)


def test_whole_words_only() -> None:
    # "show" must not count as "how", "decode" not as "code", "storyboard" not as "story".
    assert T.CODING not in task_scores("Decode the meaning behind this dream")
    assert task_scores("Show the table") == {}
    assert T.CREATIVE not in task_scores("storyboard")


def test_weighted_cues_beat_first_match() -> None:
    # A first-substring-wins classifier would say question answering ("what is") or coding ("code").
    assert classify_task("What is the best way to summarize a long code review thread?") == T.SUMMARIZATION


def test_inflections() -> None:
    assert classify_task("Summarizing the chapters") == T.SUMMARIZATION
    assert classify_task("two short poems please") == T.CREATIVE
    assert classify_task("Translating menus") == T.TRANSLATION
