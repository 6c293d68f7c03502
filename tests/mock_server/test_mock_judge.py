"""The mock server answering as a judge: the schema it receives, in each protocol, shapes a predictable verdict."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from llmbench.mock_server import MockModel, MockServer, MockServerConfig, answer_for
from llmbench.mock_server.config import JudgeMode

SCHEMA = {
    "type": "object",
    "properties": {"reasoning": {"type": "string"}, "grade": {"type": "string", "enum": ["correct", "incorrect"]}},
    "required": ["reasoning", "grade"],
    "additionalProperties": False,
}
PROMPT = (
    "Grade the answer.\n\n<question>\nCapital of France?\n</question>\n\n<references>\n- Paris is the capital\n"
    "</references>\n\n<answer>\nThe capital is Paris.\n</answer>"
)
GENERIC = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "ok": {"type": "boolean"}, "n": {"type": "integer"}},
    "required": ["name", "ok", "n"],
    "additionalProperties": False,
}


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    models = [MockModel(name="judge-broken", latency_ms=5, judge=JudgeMode.OFF_SCHEMA), MockModel(name="plain")]
    with MockServer(MockServerConfig(models=[*MockServerConfig().models, *models])) as running:
        yield running


def _text(server: MockServer, protocol: str, schema: dict[str, Any] | None, **options: Any) -> tuple[int, str]:
    """Status and answer text of one non-streaming request asking for ``schema`` in ``protocol``'s own field."""
    headers = options.pop("headers", {})
    model = options.pop("model", None)
    messages = [{"role": "user", "content": PROMPT}]
    if protocol == "openai":
        body: dict[str, Any] = {"model": model or "gpt-mock-mini", "messages": messages}
        if schema is not None:
            body["response_format"] = {"type": "json_schema", "json_schema": {"name": "g", "schema": schema}}
        response = httpx.post(f"{server.openai_base_url}/chat/completions", json={**body, **options}, headers=headers)
        return response.status_code, response.json()["choices"][0]["message"]["content"] if response.is_success else ""
    if protocol == "anthropic":
        body = {"model": model or "claude-mock", "max_tokens": 500, "messages": messages}
        if schema is not None:
            body["output_config"] = {"format": {"type": "json_schema", "schema": schema}}
        response = httpx.post(
            f"{server.anthropic_base_url}/v1/messages",
            json={**body, **options},
            headers={"anthropic-version": "2023-06-01", **headers},
        )
        return response.status_code, response.json()["content"][0]["text"] if response.is_success else ""
    body = {"model": model or "llama-mock", "messages": messages, "stream": False}
    if schema is not None:
        body["format"] = schema
    response = httpx.post(f"{server.ollama_base_url}/api/chat", json={**body, **options}, headers=headers)
    return response.status_code, response.json()["message"]["content"] if response.is_success else ""


@pytest.mark.parametrize("protocol", ["openai", "anthropic", "ollama"])
def test_a_schema_in_the_request_gets_the_overlap_verdict(server: MockServer, protocol: str) -> None:
    status, text = _text(server, protocol, SCHEMA)
    assert status == 200
    verdict = json.loads(text)
    assert set(verdict) == {"reasoning", "grade"}
    assert verdict["grade"] == "correct"  # paris and capital, the reference's content words, are both in the answer


@pytest.mark.parametrize("protocol", ["openai", "anthropic", "ollama"])
def test_an_unknown_schema_gets_a_minimal_instance_of_itself(server: MockServer, protocol: str) -> None:
    assert json.loads(_text(server, protocol, GENERIC)[1]) == {"name": "", "ok": True, "n": 0}


@pytest.mark.parametrize("protocol", ["openai", "anthropic", "ollama"])
def test_judge_modes_by_header(server: MockServer, protocol: str) -> None:
    _, malformed = _text(server, protocol, SCHEMA, headers={"x-mock-judge": "malformed"})
    with pytest.raises(ValueError):
        json.loads(malformed)
    _, off = _text(server, protocol, SCHEMA, headers={"x-mock-judge": "off_schema"})
    assert "grade" not in json.loads(off)
    # valid mode without a schema in the request: the schema the prompt quotes, else none (a minimal object)
    _, quoted = _text(server, protocol, None, headers={"x-mock-judge": "valid"})
    assert json.loads(quoted) == {}


def test_without_schema_or_judge_mode_the_answer_is_the_usual_one(server: MockServer) -> None:
    assert _text(server, "openai", None)[1] == answer_for("gpt-mock-mini", PROMPT)
    assert _text(server, "ollama", None, format="json")[1] == answer_for("llama-mock", PROMPT)
    assert _text(server, "openai", None, response_format={"type": "json_object"})[1] == answer_for(
        "gpt-mock-mini", PROMPT
    )


def test_a_model_configured_as_judge_answers_in_its_mode(server: MockServer) -> None:
    for protocol in ("openai", "anthropic", "ollama"):
        status, text = _text(server, protocol, SCHEMA, model="judge-broken")
        assert status == 200 and json.loads(text) == {"verdict": "looks fine to me", "confidence": "high"}


def test_noisy_verdicts_are_deterministic_per_prompt(server: MockServer) -> None:
    first = _text(server, "openai", SCHEMA, headers={"x-mock-judge": "noisy"})[1]
    assert first == _text(server, "anthropic", SCHEMA, headers={"x-mock-judge": "noisy"})[1]
    assert json.loads(first)["grade"] in ("correct", "partially_correct")


def test_bad_structured_output_requests_are_rejected_like_the_real_apis(server: MockServer) -> None:
    status, _ = _text(server, "openai", None, response_format={"type": "json_schema", "json_schema": {"schema": {}}})
    assert status == 400
    status, _ = _text(server, "openai", None, response_format={"type": "xml"})
    assert status == 400
    status, _ = _text(server, "anthropic", None, output_config={"format": {"type": "json_schema"}})
    assert status == 400
    status, _ = _text(server, "ollama", None, format=42)
    assert status == 400
    status, _ = _text(server, "openai", SCHEMA, headers={"x-mock-judge": "sloppy"})
    assert status == 400


def test_a_judge_verdict_is_cut_by_max_tokens_like_any_answer(server: MockServer) -> None:
    _, text = _text(server, "openai", SCHEMA, max_tokens=3)
    with pytest.raises(ValueError):
        json.loads(text)
