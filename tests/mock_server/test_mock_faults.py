"""Fault injection: by header and by model config, for each protocol."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from llmbench.mock_server import FaultSpec, MockServer, MockServerConfig

MESSAGES = [{"role": "user", "content": "Tell me a fact about owls."}]
ANTHROPIC_HEADERS = {"anthropic-version": "2023-06-01"}


def _openai(s: MockServer, fault: str | None = None, headers: dict[str, str] | None = None, **body: object):
    all_headers = {**({"x-mock-fault": fault} if fault else {}), **(headers or {})}
    payload = {"model": "gpt-mock-mini", "messages": MESSAGES, **body}
    return httpx.post(f"{s.openai_base_url}/chat/completions", json=payload, headers=all_headers, timeout=5)


def _anthropic(s: MockServer, fault: str, **body: object) -> httpx.Response:
    payload = {"model": "claude-mock", "max_tokens": 100, "messages": MESSAGES, **body}
    headers = {**ANTHROPIC_HEADERS, "x-mock-fault": fault}
    return httpx.post(f"{s.anthropic_base_url}/v1/messages", json=payload, headers=headers, timeout=5)


def _ollama(s: MockServer, fault: str, **body: object) -> httpx.Response:
    payload = {"model": "llama-mock", "messages": MESSAGES, "stream": False, **body}
    return httpx.post(f"{s.ollama_base_url}/api/chat", json=payload, headers={"x-mock-fault": fault}, timeout=5)


@pytest.mark.parametrize(
    ("fault", "status", "error_type", "code"),
    [
        ("rate_limit", 429, "requests", "rate_limit_exceeded"),
        ("server_error", 500, "server_error", None),
        ("unavailable", 503, "server_error", None),
        ("auth", 401, "invalid_request_error", "invalid_api_key"),
        ("not_found", 404, "invalid_request_error", "model_not_found"),
        ("context_length", 400, "invalid_request_error", "context_length_exceeded"),
        ("bad_request", 400, "invalid_request_error", None),
    ],
)
def test_openai_error_faults(fault: str, status: int, error_type: str, code: str | None) -> None:
    with MockServer() as s:
        response = _openai(s, fault)
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert (error["type"], error["code"]) == (error_type, code)
    if fault == "context_length":
        assert error["message"].startswith("This model's maximum context length is 8192 tokens.")


@pytest.mark.parametrize(
    ("fault", "status", "error_type"),
    [
        ("rate_limit", 429, "rate_limit_error"),
        ("server_error", 500, "api_error"),
        ("unavailable", 529, "overloaded_error"),
        ("auth", 401, "authentication_error"),
        ("not_found", 404, "not_found_error"),
        ("context_length", 400, "invalid_request_error"),
        ("bad_request", 400, "invalid_request_error"),
    ],
)
def test_anthropic_error_faults(fault: str, status: int, error_type: str) -> None:
    with MockServer() as s:
        response = _anthropic(s, fault)
    assert response.status_code == status
    assert response.json()["type"] == "error"
    assert response.json()["error"]["type"] == error_type


@pytest.mark.parametrize(
    ("fault", "status"),
    [("rate_limit", 429), ("server_error", 500), ("unavailable", 503), ("not_found", 404), ("bad_request", 400)],
)
def test_ollama_error_faults(fault: str, status: int) -> None:
    with MockServer() as s:
        response = _ollama(s, fault)
    assert response.status_code == status
    assert isinstance(response.json()["error"], str)


def test_rate_limit_retry_after_default_and_verbatim() -> None:
    http_date = "Wed, 21 Oct 2015 07:28:00 GMT"
    with MockServer() as s:
        default = _openai(s, "rate_limit")
        seconds = _openai(s, "rate_limit", {"x-mock-retry-after": "7"})
        dated = _anthropic(s, "rate_limit")
        dated = httpx.post(
            f"{s.anthropic_base_url}/v1/messages",
            json={"model": "claude-mock", "max_tokens": 5, "messages": MESSAGES},
            headers={**ANTHROPIC_HEADERS, "x-mock-fault": "rate_limit", "x-mock-retry-after": http_date},
        )
    assert default.headers["retry-after"] == "1"
    assert seconds.headers["retry-after"] == "7"
    assert dated.headers["retry-after"] == http_date


def test_fault_count_with_key_succeeds_after_two_429s() -> None:
    headers = {"x-mock-fault-count": "2", "x-mock-fault-key": "case-1"}
    with MockServer() as s:
        statuses = [_openai(s, "rate_limit", headers).status_code for _ in range(4)]
        other_key = _openai(s, "rate_limit", {**headers, "x-mock-fault-key": "case-2"}).status_code
        recorded = s.requests[0].mock_headers
    assert statuses == [429, 429, 200, 200]
    assert other_key == 429
    assert recorded == {"x-mock-fault": "rate_limit", "x-mock-fault-count": "2", "x-mock-fault-key": "case-1"}


def test_configured_model_fault_with_count() -> None:
    config = MockServerConfig(faults={"gpt-mock-mini": FaultSpec(kind="server_error", count=1)})
    with MockServer(config) as s:
        statuses = [_openai(s).status_code for _ in range(3)]
        other_model = _openai(s, model="gpt-mock-large").status_code
    assert statuses == [500, 200, 200]
    assert other_model == 200


def test_configured_fault_without_count_is_permanent() -> None:
    config = MockServerConfig(faults={"claude-mock": FaultSpec(kind="rate_limit", retry_after="3")})
    with MockServer(config) as s:
        responses = [
            httpx.post(
                f"{s.anthropic_base_url}/v1/messages",
                json={"model": "claude-mock", "max_tokens": 5, "messages": MESSAGES},
                headers=ANTHROPIC_HEADERS,
            )
            for _ in range(3)
        ]
    assert [r.status_code for r in responses] == [429] * 3
    assert responses[0].headers["retry-after"] == "3"


def test_unknown_fault_kind_is_a_400_naming_the_header() -> None:
    with MockServer() as s:
        response = _openai(s, "gremlins")
    assert response.status_code == 400 and "x-mock-fault" in response.json()["error"]["message"]


def test_timeout_fault_delays_then_answers() -> None:
    with MockServer() as s:
        start = time.perf_counter()
        response = _openai(s, "timeout", {"x-mock-delay": "0.3"})
        elapsed = time.perf_counter() - start
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(
                f"{s.openai_base_url}/chat/completions",
                json={"model": "gpt-mock-mini", "messages": MESSAGES},
                headers={"x-mock-fault": "timeout"},  # default 30 s: the server is stopped long before
                timeout=0.3,
            )
    assert response.status_code == 200 and elapsed >= 0.3


@pytest.mark.parametrize("protocol", ["openai", "anthropic", "ollama"])
def test_drop_closes_the_connection_without_response(protocol: str) -> None:
    with MockServer() as s, pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        {
            "openai": lambda: _openai(s, "drop"),
            "anthropic": lambda: _anthropic(s, "drop"),
            "ollama": lambda: _ollama(s, "drop"),
        }[protocol]()


def test_malformed_body_is_not_json() -> None:
    with MockServer() as s:
        responses = [_openai(s, "malformed"), _anthropic(s, "malformed"), _ollama(s, "malformed")]
    for response in responses:
        assert response.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.text)


def test_error_body_is_200_with_error_object() -> None:
    with MockServer() as s:
        openai, anthropic, ollama = _openai(s, "error_body"), _anthropic(s, "error_body"), _ollama(s, "error_body")
    assert openai.status_code == anthropic.status_code == ollama.status_code == 200
    assert openai.json()["error"]["type"] == "server_error"
    assert anthropic.json()["type"] == "error"
    assert "error" in ollama.json()


def test_stream_cut_on_non_streaming_request_gives_incomplete_body() -> None:
    with MockServer() as s, pytest.raises(httpx.RemoteProtocolError):
        _openai(s, "stream_cut")


def _stream_lines(url: str, body: dict[str, object], headers: dict[str, str]) -> tuple[list[str], Exception | None]:
    lines: list[str] = []
    try:
        with httpx.stream("POST", url, json=body, headers=headers, timeout=5) as response:
            for line in response.iter_lines():
                lines.append(line)
    except httpx.TransportError as exc:
        return lines, exc
    return lines, None


def test_openai_stream_faults() -> None:
    body = {"model": "gpt-mock-mini", "messages": MESSAGES, "stream": True}
    with MockServer() as s:
        url = f"{s.openai_base_url}/chat/completions"
        cut, cut_error = _stream_lines(url, body, {"x-mock-fault": "stream_cut"})
        bad, bad_error = _stream_lines(url, body, {"x-mock-fault": "malformed"})
        err, _ = _stream_lines(url, body, {"x-mock-fault": "error_body"})
    assert isinstance(cut_error, httpx.RemoteProtocolError)
    assert len([line for line in cut if line.startswith("data: ")]) == 1 + 3
    assert "data: [DONE]" not in cut
    assert bad_error is None and "data: [DONE]" in bad
    with pytest.raises(json.JSONDecodeError):
        for line in bad:
            if line.startswith("data: {"):
                json.loads(line.removeprefix("data: "))
    assert any(line.startswith("data: ") and "error" in json.loads(line[6:]) for line in err)


def test_anthropic_stream_faults() -> None:
    body = {"model": "claude-mock", "max_tokens": 100, "messages": MESSAGES, "stream": True}
    with MockServer() as s:
        url = f"{s.anthropic_base_url}/v1/messages"
        cut, cut_error = _stream_lines(url, body, {**ANTHROPIC_HEADERS, "x-mock-fault": "stream_cut"})
        err, _ = _stream_lines(url, body, {**ANTHROPIC_HEADERS, "x-mock-fault": "error_body"})
    assert isinstance(cut_error, httpx.RemoteProtocolError)
    assert "event: message_stop" not in cut and cut.count("event: content_block_delta") == 3
    assert "event: error" in err


def test_ollama_stream_cut() -> None:
    with MockServer() as s:
        url = f"{s.ollama_base_url}/api/chat"
        lines, error = _stream_lines(url, {"model": "llama-mock", "messages": MESSAGES}, {"x-mock-fault": "stream_cut"})
    assert isinstance(error, httpx.RemoteProtocolError)
    assert len([line for line in lines if line]) == 3 and all('"done": false' in line for line in lines if line)


def test_empty_fault_is_a_well_formed_answer_with_nothing_in_it() -> None:
    with MockServer() as s:
        openai = _openai(s, "empty").json()
        anthropic = _anthropic(s, "empty").json()
        ollama = _ollama(s, "empty").json()
        url = f"{s.openai_base_url}/chat/completions"
        body = {"model": "gpt-mock-mini", "messages": MESSAGES, "stream": True}
        stream, error = _stream_lines(url, body, {"x-mock-fault": "empty"})
    assert openai["choices"] == [] and openai["usage"]["completion_tokens"] == 0
    assert anthropic["content"] == [] and anthropic["type"] == "message"
    assert ollama["message"]["content"] == "" and ollama["done"] is True
    chunks = [json.loads(line.removeprefix("data: ")) for line in stream if line.startswith("data: {")]
    assert error is None and "data: [DONE]" in stream
    assert chunks and all(chunk["choices"] == [] for chunk in chunks)


def test_truncated_fault_cuts_the_answer_with_each_protocols_finish_reason() -> None:
    with MockServer() as s:
        openai = _openai(s, "truncated").json()
        anthropic = _anthropic(s, "truncated").json()
        ollama = _ollama(s, "truncated").json()
    assert openai["choices"][0]["finish_reason"] == "length"
    assert anthropic["stop_reason"] == "max_tokens"
    assert ollama["done_reason"] == "length"
    assert openai["choices"][0]["message"]["content"] and ollama["message"]["content"]
