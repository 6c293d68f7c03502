"""OllamaProvider against the mock server's native /api/chat (JSON and NDJSON streaming)."""

from __future__ import annotations

import asyncio
import json

import httpx

from llmbench.mock_server import count_tokens
from llmbench.providers.ollama import OllamaProvider
from llmbench.types import Completion, GenerateRequest, ModelConfig

TIMING_KEYS = {"total_ms", "load_ms", "prompt_eval_ms", "eval_ms"}


def test_non_streaming_usage_and_timings(make_config, call, messages) -> None:
    completion = call(make_config("ollama"))
    assert completion.text.startswith("Mock answer from llama-mock")
    assert completion.usage.input_tokens == sum(count_tokens(m.content) for m in messages)
    assert completion.usage.output_tokens == count_tokens(completion.text)
    assert not completion.usage.estimated
    assert completion.finish_reason == "stop"
    assert set(completion.timings) == TIMING_KEYS
    # Nanoseconds became milliseconds: the 60 ms answer is not 60 000 000 "ms" nor 0.00006.
    assert 40 <= completion.timings["total_ms"] <= completion.latency_ms + 5
    assert completion.timings["eval_ms"] <= completion.timings["total_ms"]


def test_ndjson_streaming(make_config, call) -> None:
    plain = call(make_config("ollama"))
    streamed = call(make_config("ollama", stream=True))
    assert streamed.text == plain.text
    assert streamed.usage == plain.usage
    assert streamed.ttft_ms is not None and 10 <= streamed.ttft_ms < streamed.latency_ms
    assert set(streamed.timings) == TIMING_KEYS


def test_max_tokens_is_num_predict(make_config, call) -> None:
    completion = call(make_config("ollama", max_tokens=5))
    assert completion.usage.output_tokens == 5 == count_tokens(completion.text)
    assert completion.finish_reason == "length"


def test_stream_flag_always_sent_and_options(messages) -> None:
    seen: list[httpx.Request] = []
    reply = {"model": "m", "message": {"role": "assistant", "content": "hi"}, "done": True, "done_reason": "stop"}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=reply)

    async def go() -> Completion:
        provider = OllamaProvider(
            ModelConfig(provider="ollama", model="m", stop=["x"]), transport=httpx.MockTransport(handler)
        )
        try:
            return await provider.generate(GenerateRequest(messages=messages))
        finally:
            await provider.aclose()

    completion = asyncio.run(go())
    assert str(seen[0].url) == "http://localhost:11434/api/chat"
    payload = json.loads(seen[0].content)
    assert payload["stream"] is False
    assert payload["options"] == {"temperature": 0.7, "top_p": 1.0, "num_predict": 1000, "stop": ["x"]}
    assert "authorization" not in seen[0].headers
    # No counts in the reply (a fully cached prompt): estimated, and flagged as such.
    assert completion.usage.estimated
    assert completion.timings == {}
