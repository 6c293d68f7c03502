"""AnthropicProvider against the mock server's Messages API, plus its request shape via httpx.MockTransport."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from pydantic import SecretStr

from llmbench.mock_server import count_tokens
from llmbench.providers.anthropic import AnthropicProvider
from llmbench.types import ChatMessage, Completion, GenerateRequest, ModelConfig


def test_non_streaming_reports_exact_usage(make_config, call, messages) -> None:
    completion = call(make_config("anthropic"))
    assert completion.text.startswith("Mock answer from claude-mock")
    assert completion.usage.input_tokens == sum(count_tokens(m.content) for m in messages)
    assert completion.usage.output_tokens == count_tokens(completion.text)
    assert not completion.usage.estimated
    assert completion.finish_reason == "end_turn"
    assert completion.served_model == "claude-mock"
    assert completion.latency_ms >= 70


def test_streaming_matches_non_streaming_and_records_ttft(make_config, call) -> None:
    plain = call(make_config("anthropic"))
    streamed = call(make_config("anthropic", stream=True))
    assert streamed.text == plain.text
    assert streamed.usage == plain.usage
    assert streamed.ttft_ms is not None
    assert 20 <= streamed.ttft_ms < streamed.latency_ms  # first chunk after ~27 ms of an 80 ms answer
    assert streamed.finish_reason == "end_turn"


def test_max_tokens_truncates(make_config, call) -> None:
    for stream in (False, True):
        completion = call(make_config("anthropic", max_tokens=4, stream=stream))
        assert completion.usage.output_tokens == 4 == count_tokens(completion.text)
        assert completion.finish_reason == "max_tokens"


def _generate(config: ModelConfig, transport: httpx.MockTransport, messages: list[ChatMessage]) -> Completion:
    async def go() -> Completion:
        provider = AnthropicProvider(config, transport=transport)
        try:
            return await provider.generate(GenerateRequest(messages=messages))
        finally:
            await provider.aclose()

    return asyncio.run(go())


def test_request_shape_system_top_level_and_headers(messages) -> None:
    seen: list[httpx.Request] = []
    body = {
        "content": [{"type": "text", "text": "hi"}],
        "stop_reason": "end_turn",
        "usage": {
            "input_tokens": 3,
            "output_tokens": 1,
            "cache_read_input_tokens": 10,
            "cache_creation_input_tokens": 2,
        },
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=body)

    config = ModelConfig(provider="anthropic", model="claude-x", api_key=SecretStr("sk-ant-abc"), stop=["END"])
    completion = _generate(config, httpx.MockTransport(handler), messages)
    request = seen[0]
    assert str(request.url) == "https://api.anthropic.com/v1/messages"
    assert request.headers["x-api-key"] == "sk-ant-abc"
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in request.headers
    payload = json.loads(request.content)
    assert payload["system"] == messages[0].content
    assert payload["messages"] == [{"role": "user", "content": messages[1].content}]
    assert payload["max_tokens"] == 1000
    assert payload["stop_sequences"] == ["END"]
    assert "top_p" not in payload  # recent Claude models reject temperature and top_p together
    # Cache reads and writes are part of the input; reads are the cached share.
    assert completion.usage.input_tokens == 15
    assert completion.usage.cached_input_tokens == 10


@pytest.mark.parametrize("stream", [False, True])
def test_api_key_env_default(stream: bool, monkeypatch: pytest.MonkeyPatch, messages) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-env")
    seen: list[httpx.Request] = []
    sse = (
        b'event: message_start\ndata: {"type":"message_start","message":{"model":"c","usage":{"input_tokens":2,'
        b'"output_tokens":0}}}\n\nevent: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
        b'"delta":{"type":"text_delta","text":"ok"}}\n\nevent: message_delta\ndata: {"type":"message_delta",'
        b'"delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":1}}\n\n'
        b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
    )

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if stream:
            return httpx.Response(200, content=sse, headers={"content-type": "text/event-stream"})
        return httpx.Response(
            200, json={"content": [{"type": "text", "text": "ok"}], "usage": {"input_tokens": 2, "output_tokens": 1}}
        )

    completion = _generate(
        ModelConfig(provider="anthropic", model="c", stream=stream), httpx.MockTransport(handler), messages
    )
    assert seen[0].headers["x-api-key"] == "sk-ant-from-env"
    assert completion.text == "ok"
    assert (completion.usage.input_tokens, completion.usage.output_tokens) == (2, 1)
