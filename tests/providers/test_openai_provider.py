"""OpenAIProvider against the mock server's OpenAI protocol, plus its request shape via httpx.MockTransport."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from pydantic import SecretStr

import llmbench.providers.http as http_module
import llmbench.providers.http_errors as http_errors_module
from llmbench.mock_server import MockServer, MockServerConfig, count_tokens
from llmbench.providers.openai import OpenAIProvider
from llmbench.types import ChatMessage, Completion, GenerateRequest, ModelConfig


def _prompt_tokens(messages: list[ChatMessage]) -> int:
    return sum(count_tokens(m.content) for m in messages)


def test_non_streaming_reports_exact_usage(make_config, call, messages) -> None:
    completion = call(make_config("openai"))
    assert completion.text.startswith("Mock answer from gpt-mock-mini")
    assert completion.usage.input_tokens == _prompt_tokens(messages)
    assert completion.usage.output_tokens == count_tokens(completion.text)
    assert not completion.usage.estimated
    assert completion.finish_reason == "stop"
    assert completion.served_model == "gpt-mock-mini"
    assert completion.ttft_ms is None
    assert completion.latency_ms >= 25  # the model's latency (30 ms) is really awaited


def test_streaming_matches_non_streaming_and_records_ttft(make_config, call, messages) -> None:
    plain = call(make_config("openai", model="gpt-mock-large"))
    streamed = call(make_config("openai", model="gpt-mock-large", stream=True))
    assert streamed.text == plain.text
    assert streamed.usage == plain.usage
    assert not streamed.usage.estimated
    assert streamed.ttft_ms is not None
    # The mock sends the first chunk after a third of the 120 ms latency and the last at 120 ms.
    assert 30 <= streamed.ttft_ms < streamed.latency_ms
    assert streamed.latency_ms >= 110
    assert streamed.finish_reason == "stop"


def test_max_tokens_truncates_with_finish_reason_length(make_config, call) -> None:
    for stream in (False, True):
        completion = call(make_config("openai", max_tokens=3, stream=stream))
        assert completion.usage.output_tokens == 3 == count_tokens(completion.text)
        assert completion.finish_reason == "length"


def test_key_from_env_var_is_accepted(call, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMBENCH_TEST_OPENAI_KEY", "sk-test-right")
    with MockServer(MockServerConfig(require_api_key="sk-test-right")) as server:
        config = ModelConfig(
            provider="openai",
            model="gpt-mock-mini",
            base_url=server.openai_base_url,
            api_key_env="LLMBENCH_TEST_OPENAI_KEY",
        )
        assert call(config).usage.output_tokens > 0


def _capture(responses: list[httpx.Response]) -> tuple[list[httpx.Request], httpx.MockTransport]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses.pop(0)

    return seen, httpx.MockTransport(handler)


def _generate(provider: OpenAIProvider, messages: list[ChatMessage]) -> Completion:
    async def go() -> Completion:
        try:
            return await provider.generate(GenerateRequest(messages=messages))
        finally:
            await provider.aclose()

    return asyncio.run(go())


def test_request_shape(messages) -> None:
    body = {
        "choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 7, "completion_tokens": 1, "prompt_tokens_details": {"cached_tokens": 5}},
    }
    seen, transport = _capture([httpx.Response(200, json=body)])
    config = ModelConfig(
        provider="openai",
        model="m",
        api_key=SecretStr("sk-abc"),
        stop=["\n\n"],
        headers={"x-extra": "1"},
        temperature=0.2,
        max_tokens=50,
    )
    completion = _generate(OpenAIProvider(config, transport=transport), messages)
    request = seen[0]
    assert str(request.url) == "https://api.openai.com/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-abc"
    assert request.headers["x-extra"] == "1"
    payload = json.loads(request.content)
    assert payload == {
        "model": "m",
        "messages": [m.model_dump() for m in messages],
        "temperature": 0.2,
        "top_p": 1.0,
        "max_tokens": 50,
        "stream": False,
        "stop": ["\n\n"],
    }
    assert completion.usage.cached_input_tokens == 5


def test_streaming_request_asks_for_usage(messages) -> None:
    sse = b'data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n'
    seen, transport = _capture([httpx.Response(200, content=sse, headers={"content-type": "text/event-stream"})])
    _generate(OpenAIProvider(ModelConfig(provider="openai", model="m", stream=True), transport=transport), messages)
    assert json.loads(seen[0].content)["stream_options"] == {"include_usage": True}
    assert "authorization" not in seen[0].headers  # no key configured, none in the environment


def test_missing_usage_is_estimated(messages, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    text = "x" * 41
    body = {"choices": [{"message": {"content": text}, "finish_reason": "stop"}]}
    _, transport = _capture([httpx.Response(200, json=body)])
    completion = _generate(OpenAIProvider(ModelConfig(provider="openai", model="m"), transport=transport), messages)
    assert completion.usage.estimated
    assert completion.usage.output_tokens == 11  # ceil(41 / 4)
    expected_input = sum(-(-len(m.content) // 4) + 4 for m in messages) + 3
    assert completion.usage.input_tokens == expected_input


def test_public_api_is_what_it_claims() -> None:
    for module in (http_module, http_errors_module):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"
    assert set(http_errors_module.__all__) <= set(http_module.__all__)  # providers import one module
