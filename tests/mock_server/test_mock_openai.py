"""OpenAI protocol of the mock server, over real HTTP."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from llmbench import mock_server
from llmbench.mock_server import MockModel, MockServer, MockServerConfig, answer_for, count_tokens, load_mock_config
from llmbench.mock_server.answers import truncate_tokens

PROMPT = "Explain the capital of France, please!"


def _chat(s: MockServer, **body: object) -> httpx.Response:
    payload = {"model": "gpt-mock-mini", "messages": [{"role": "user", "content": PROMPT}], **body}
    return httpx.post(f"{s.openai_base_url}/chat/completions", json=payload, timeout=10)


def _sse(response: httpx.Response) -> list[str]:
    return [line.removeprefix("data: ") for line in response.iter_lines() if line.startswith("data: ")]


def test_public_api_is_what_it_claims() -> None:
    for name in mock_server.__all__:
        assert hasattr(mock_server, name), name


def test_token_rule_is_exact() -> None:
    assert count_tokens("Hello, world!") == 4
    assert count_tokens("") == 0
    assert count_tokens("  don't stop  ") == 4  # don ' t stop
    text = answer_for("m", PROMPT)
    for limit in range(count_tokens(text) + 2):
        cut, truncated = truncate_tokens(text, limit)
        assert count_tokens(cut) == min(limit, count_tokens(text))
        assert truncated == (limit < count_tokens(text))
        assert text.startswith(cut)


def test_answers_are_deterministic_and_follow_the_prompt() -> None:
    assert answer_for("gpt-mock-mini", PROMPT) == answer_for("gpt-mock-mini", PROMPT)
    assert answer_for("gpt-mock-mini", PROMPT).startswith("Mock answer from gpt-mock-mini: ")
    assert "capital" in answer_for("gpt-mock-mini", PROMPT)
    assert answer_for("gpt-mock-mini", PROMPT) != answer_for("gpt-mock-large", PROMPT)


def test_chat_completion_has_openai_shape_and_exact_usage() -> None:
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": PROMPT}]
    with MockServer() as s:
        response = _chat(s, messages=messages)
    assert response.status_code == 200
    body = response.json()
    assert body["id"].startswith("chatcmpl-")
    assert body["object"] == "chat.completion"
    assert body["model"] == "gpt-mock-mini"
    assert isinstance(body["created"], int) and body["system_fingerprint"]
    choice = body["choices"][0]
    assert choice["index"] == 0 and choice["finish_reason"] == "stop" and choice["logprobs"] is None
    assert choice["message"]["role"] == "assistant"
    assert choice["message"]["content"] == answer_for("gpt-mock-mini", PROMPT)
    usage = body["usage"]
    assert usage["prompt_tokens"] == count_tokens("Be brief.") + count_tokens(PROMPT) == 11
    assert usage["completion_tokens"] == count_tokens(choice["message"]["content"])
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_content_parts_count_their_text() -> None:
    parts = [{"type": "text", "text": "Hello, world!"}, {"type": "image_url", "image_url": {"url": "x"}}]
    with MockServer() as s:
        body = _chat(s, messages=[{"role": "user", "content": parts}]).json()
    assert body["usage"]["prompt_tokens"] == 4


@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
def test_max_tokens_truncates_with_finish_reason_length(field: str) -> None:
    with MockServer() as s:
        body = _chat(s, **{field: 5}).json()
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 5
    assert count_tokens(body["choices"][0]["message"]["content"]) == 5
    assert answer_for("gpt-mock-mini", PROMPT).startswith(body["choices"][0]["message"]["content"])


def test_stream_sends_role_then_content_then_usage_and_done() -> None:
    with (
        MockServer() as s,
        httpx.stream(
            "POST",
            f"{s.openai_base_url}/chat/completions",
            json={
                "model": "gpt-mock-mini",
                "messages": [{"role": "user", "content": PROMPT}],
                "stream": True,
                "stream_options": {"include_usage": True},
            },
        ) as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        data = _sse(response)
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == answer_for("gpt-mock-mini", PROMPT)
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"] == {
        "prompt_tokens": count_tokens(PROMPT),
        "completion_tokens": count_tokens(text),
        "total_tokens": count_tokens(PROMPT) + count_tokens(text),
    }


def test_stream_without_include_usage_has_no_usage_chunk() -> None:
    with (
        MockServer() as s,
        httpx.stream(
            "POST",
            f"{s.openai_base_url}/chat/completions",
            json={"model": "gpt-mock-mini", "messages": [{"role": "user", "content": "hi"}], "stream": True},
        ) as response,
    ):
        chunks = [json.loads(d) for d in _sse(response)[:-1]]
    assert all(c["choices"] for c in chunks) and all("usage" not in c for c in chunks)


def test_latency_is_really_awaited_and_concurrent() -> None:
    config = MockServerConfig(models=[MockModel(name="slow", latency_ms=300)])
    with MockServer(config) as s:
        results: list[int] = []

        def call() -> None:
            results.append(_chat(s, model="slow").status_code)

        start = time.perf_counter()
        threads = [threading.Thread(target=call) for _ in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        assert results == [200] * 5
        assert elapsed >= 0.3  # the latency is awaited (a lower bound: behaviour, not speed)
        assert s.max_in_flight == 5  # the five calls were in flight together


def test_stream_first_chunk_waits_ttft() -> None:
    config = MockServerConfig(models=[MockModel(name="m", latency_ms=400, ttft_ms=200)])
    with MockServer(config) as s:
        start = time.perf_counter()
        with httpx.stream(
            "POST",
            f"{s.openai_base_url}/chat/completions",
            json={"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True},
        ) as response:
            lines = response.iter_lines()
            next(line for line in lines if '"content": "Mock' in line)
            first = time.perf_counter() - start
            list(lines)
        total = time.perf_counter() - start
    # Lower bounds only (behaviour, not speed): TTFT is awaited before the first chunk, and the rest of the latency
    # after it, so the stream is not buffered until the end.
    assert first >= 0.2 and total - first >= 0.15


def test_models_list() -> None:
    with MockServer() as s:
        body = httpx.get(f"{s.openai_base_url}/models").json()
        one = httpx.get(f"{s.openai_base_url}/models/llama-mock").json()
        missing = httpx.get(f"{s.openai_base_url}/models/nope")
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["gpt-mock-mini", "gpt-mock-large", "claude-mock", "llama-mock"]
    assert all(m["object"] == "model" and m["owned_by"] == "llmbench-mock" for m in body["data"])
    assert one["id"] == "llama-mock"
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "model_not_found"


def test_unknown_model_is_404_model_not_found() -> None:
    with MockServer() as s:
        response = _chat(s, model="gpt-nope")
    assert response.status_code == 404
    assert response.json()["error"] == {
        "message": "The model `gpt-nope` does not exist or you do not have access to it.",
        "type": "invalid_request_error",
        "param": "model",
        "code": "model_not_found",
    }


def test_context_window_is_checked_with_the_token_rule() -> None:
    config = MockServerConfig(models=[MockModel(name="tiny", context_window=10)])
    with MockServer(config) as s:
        fits = _chat(s, model="tiny", messages=[{"role": "user", "content": "one two three four five six seven"}])
        too_long = _chat(s, model="tiny", messages=[{"role": "user", "content": "w " * 11}])
        with_completion = _chat(s, model="tiny", messages=[{"role": "user", "content": "a b c"}], max_tokens=8)
    assert fits.status_code == 200
    assert too_long.status_code == 400
    error = too_long.json()["error"]
    assert error["code"] == "context_length_exceeded" and error["type"] == "invalid_request_error"
    assert error["message"].startswith("This model's maximum context length is 10 tokens.")
    assert with_completion.status_code == 400


def test_api_key_is_required_when_configured() -> None:
    with MockServer(MockServerConfig(require_api_key="sk-secret")) as s:
        missing = _chat(s)
        wrong = httpx.post(
            f"{s.openai_base_url}/chat/completions",
            json={"model": "gpt-mock-mini", "messages": [{"role": "user", "content": "hi"}]},
            headers={"Authorization": "Bearer sk-wrong"},
        )
        right = httpx.post(
            f"{s.openai_base_url}/chat/completions",
            json={"model": "gpt-mock-mini", "messages": [{"role": "user", "content": "hi"}]},
            headers={"Authorization": "Bearer sk-secret"},
        )
        models = httpx.get(f"{s.openai_base_url}/models")
        recorded = list(s.requests)
    assert missing.status_code == wrong.status_code == models.status_code == 401
    assert wrong.json()["error"]["code"] == "invalid_api_key"
    assert "sk-wrong" not in wrong.text
    assert right.status_code == 200
    assert "authorization" in recorded[1].header_names
    assert all("sk-secret" not in repr(r) and "sk-wrong" not in repr(r) for r in recorded)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"messages": [{"role": "user", "content": "hi"}]}, "model"),
        ({"model": "gpt-mock-mini"}, "messages"),
        ({"model": "gpt-mock-mini", "messages": []}, "messages"),
        ({"model": "gpt-mock-mini", "messages": [{"role": "robot", "content": "hi"}]}, "messages[0].role"),
        ({"model": "gpt-mock-mini", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 0}, "max_tokens"),
    ],
)
def test_invalid_requests_are_400_invalid_request_error(body: dict[str, object], param: str) -> None:
    with MockServer() as s:
        response = httpx.post(f"{s.openai_base_url}/chat/completions", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert response.json()["error"]["param"] == param


def test_invalid_json_is_400() -> None:
    with MockServer() as s:
        response = httpx.post(f"{s.openai_base_url}/chat/completions", content=b"{nope")
    assert response.status_code == 400 and "JSON" in response.json()["error"]["message"]


def test_requests_are_recorded_with_model_and_mock_headers() -> None:
    with MockServer() as s:
        httpx.post(
            f"{s.openai_base_url}/chat/completions",
            json={"model": "gpt-mock-large", "messages": [{"role": "user", "content": "hi"}]},
            headers={"x-mock-note": "abc", "Authorization": "Bearer sk-123"},
        )
        assert len(s.requests) == 1
        record = s.requests[0]
        assert s.requests.count(path="/v1/chat/completions", model="gpt-mock-large") == 1
    assert record.path == "/v1/chat/completions" and record.model == "gpt-mock-large"
    assert record.mock_headers == {"x-mock-note": "abc"}
    assert "authorization" in record.header_names and "sk-123" not in repr(record)


def test_async_context_manager() -> None:
    import asyncio

    async def main() -> int:
        async with MockServer() as s, httpx.AsyncClient() as client:
            response = await client.get(f"{s.openai_base_url}/models")
            return response.status_code

    assert asyncio.run(main()) == 200


def test_load_mock_config_from_toml_and_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    toml = tmp_path / "mock.toml"
    toml.write_text(
        'require_api_key = "k"\n[[models]]\nname = "a"\nlatency_ms = 5\n[faults.a]\nkind = "rate_limit"\ncount = 2\n'
    )
    config = load_mock_config(toml)
    assert config.models[0].name == "a" and config.require_api_key == "k"
    assert config.faults["a"].kind == "rate_limit" and config.faults["a"].count == 2
    js = tmp_path / "mock.json"
    js.write_text(json.dumps({"mock_server": {"models": [{"name": "b"}]}}))
    assert load_mock_config(js).models[0].name == "b"


def test_load_mock_config_errors_name_the_field(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from llmbench.errors import ConfigError

    bad = tmp_path / "bad.toml"
    bad.write_text('[[models]]\nname = "a"\nlatency_ms = -1\n')
    with pytest.raises(ConfigError, match=r"models\.0\.latency_ms"):
        load_mock_config(bad)


def test_run_mock_server_serves_in_the_foreground(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "mock.toml"
    config.write_text('[[models]]\nname = "cli-model"\nlatency_ms = 1\n')
    code = (
        "from llmbench.mock_server import load_mock_config, run_mock_server; "
        f"run_mock_server('127.0.0.1', {port}, load_mock_config({str(config)!r}))"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert "llmbench mock server on" in (process.stdout.readline() if process.stdout else "")
        response = httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=5)
        assert [m["id"] for m in response.json()["data"]] == ["cli-model"]
    finally:
        process.terminate()
        process.wait(timeout=10)
