"""The deterministic overlap judge behind the simulator's and the mock server's judge modes."""

from __future__ import annotations

import asyncio
import json

import pytest

from llmbench.errors import ServerError
from llmbench.evaluators.judge.prompts import CORRECTNESS, FAITHFULNESS_VERDICTS, RELEVANCE, bulleted, numbered
from llmbench.providers.sim_judge import judge_completion, overlap_verdict
from llmbench.types import GenerateRequest, ModelConfig, SimSpec


def _user(prompt_messages: list) -> str:
    return prompt_messages[-1].content


def test_claims_are_supported_only_when_every_content_word_is_in_the_context() -> None:
    claims = ["Paris is the capital of France.", "Paris has 3 airports.", "The capital of Spain is Paris."]
    user = _user(
        FAITHFULNESS_VERDICTS.render({"context": "Paris is the capital of France.", "claims": numbered(claims)})
    )
    verdicts = overlap_verdict(FAITHFULNESS_VERDICTS.json_schema, user)["verdicts"]
    assert [v["supported"] for v in verdicts] == [True, False, False]
    assert verdicts[1]["reason"] == "not in the context: 3, airports"


@pytest.mark.parametrize(
    ("answer", "incorrect", "grade"),
    [
        ("Yes, Paris is the capital of France.", [], "correct"),
        ("Paris, I think.", [], "partially_correct"),
        ("Lyon.", [], "incorrect"),
        ("Marseille is the capital of France.", ["Marseille is the capital of France"], "incorrect"),
    ],
)
def test_grades_follow_the_references_and_known_incorrect_answers(
    answer: str, incorrect: list[str], grade: str
) -> None:
    values = {"question": "Capital of France?", "answer": answer, "references": bulleted(["Paris, capital of France"])}
    if incorrect:
        values["incorrect_answers"] = bulleted(incorrect)
    assert overlap_verdict(CORRECTNESS.json_schema, _user(CORRECTNESS.render(values)))["grade"] == grade


def test_statements_are_relevant_when_they_share_a_word_with_the_question() -> None:
    user = _user(RELEVANCE.render({"question": "Why do owls hunt at night?", "answer": "Owls see well. I like tea."}))
    statements = overlap_verdict(RELEVANCE.json_schema, user)["statements"]
    assert [(s["statement"], s["relevant"]) for s in statements] == [("Owls see well.", True), ("I like tea.", False)]


def _judge(spec: SimSpec, prompt: str) -> dict:
    config = ModelConfig(provider="sim", model="j", simulation=spec)
    request = GenerateRequest(
        messages=RELEVANCE.render({"question": "Why do owls hunt?", "answer": prompt}), response_schema=RELEVANCE.schema
    )
    return json.loads(asyncio.run(judge_completion(spec, config, request)).text)


def test_a_weak_sim_judge_is_wrong_on_some_judgements_a_perfect_one_never() -> None:
    answers = [f"Owls hunt mice number {i}. Tea is hot number {i}." for i in range(30)]
    perfect = SimSpec(quality=1.0, latency_ms=0, jitter=0)
    weak = SimSpec(quality=0.0, latency_ms=0, jitter=0)
    exact = [[True, False]] * 30
    assert [[s["relevant"] for s in _judge(perfect, a)["statements"]] for a in answers] == exact
    noisy = [[s["relevant"] for s in _judge(weak, a)["statements"]] for a in answers]
    assert noisy != exact and noisy == [[s["relevant"] for s in _judge(weak, a)["statements"]] for a in answers]


def test_a_failing_sim_judge_raises_a_retryable_server_error() -> None:
    with pytest.raises(ServerError) as info:
        _judge(SimSpec(failure_rate=1.0, latency_ms=0, jitter=0), "Owls hunt.")
    assert info.value.retryable
