"""``GenerateRequest.response_schema`` reaches each protocol's structured-output field (the mock server answers
in the schema only when it finds it there), streaming or not; the simulator answers it as a judge."""

from __future__ import annotations

import asyncio
import json

import pytest

from llmbench.providers import create_provider
from llmbench.types import ChatMessage, Completion, GenerateRequest, ModelConfig, ResponseSchema, SimSpec

SCHEMA = ResponseSchema(
    name="person",
    json_schema={
        "type": "object",
        "properties": {"name": {"type": "string"}, "adult": {"type": "boolean"}},
        "required": ["name", "adult"],
        "additionalProperties": False,
    },
)
MESSAGES = [ChatMessage(role="user", content="Extract the person: Ada, 36.")]


def _generate(config: ModelConfig, schema: ResponseSchema | None = SCHEMA) -> Completion:
    async def go() -> Completion:
        provider = create_provider(config)
        try:
            return await provider.generate(GenerateRequest(messages=MESSAGES, response_schema=schema))
        finally:
            await provider.aclose()

    return asyncio.run(go())


@pytest.mark.parametrize("provider", ["openai", "anthropic", "ollama"])
@pytest.mark.parametrize("stream", [False, True])
def test_each_protocol_sends_the_schema_in_its_own_field(make_config, provider: str, stream: bool) -> None:
    completion = _generate(make_config(provider, stream=stream))
    assert json.loads(completion.text) == {"name": "", "adult": True}


def test_without_a_schema_nothing_changes(make_config) -> None:
    completion = _generate(make_config("openai"), schema=None)
    assert completion.text.startswith("Mock answer from gpt-mock-mini")


def test_a_simulated_model_answers_a_structured_request_as_the_deterministic_judge() -> None:
    config = ModelConfig(provider="sim", model="judge", simulation=SimSpec(quality=1.0, latency_ms=1, jitter=0))
    first, second = _generate(config), _generate(config)
    assert first.text == second.text and json.loads(first.text) == {"name": "", "adult": True}
    assert first.simulated and first.usage.input_tokens > 0
