"""Anthropic protocol of the mock server, over real HTTP."""

from __future__ import annotations

import json

import httpx
import pytest

from llmbench.mock_server import MockModel, MockServer, MockServerConfig, answer_for, count_tokens

PROMPT = "Summarise the history of Rome in one line."
HEADERS = {"anthropic-version": "2023-06-01"}


def _messages(s: MockServer, headers: dict[str, str] | None = None, **body: object) -> httpx.Response:
    payload = {"model": "claude-mock", "max_tokens": 200, "messages": [{"role": "user", "content": PROMPT}], **body}
    return httpx.post(
        f"{s.anthropic_base_url}/v1/messages", json=payload, headers=HEADERS if headers is None else headers
    )


def _events(response: httpx.Response) -> list[tuple[str, dict]]:
    events, name = [], ""
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            events.append((name, json.loads(line.removeprefix("data: "))))
    return events


def test_message_has_anthropic_shape_and_exact_usage() -> None:
    with MockServer() as s:
        response = _messages(s, system="You are terse.")
    assert response.status_code == 200
    body = response.json()
    assert body["id"].startswith("msg_")
    assert (body["type"], body["role"], body["model"]) == ("message", "assistant", "claude-mock")
    assert body["content"] == [{"type": "text", "text": answer_for("claude-mock", PROMPT)}]
    assert body["stop_reason"] == "end_turn" and body["stop_sequence"] is None
    assert body["usage"]["input_tokens"] == count_tokens("You are terse.") + count_tokens(PROMPT)
    assert body["usage"]["output_tokens"] == count_tokens(body["content"][0]["text"])


def test_system_as_text_blocks_and_content_blocks_count() -> None:
    with MockServer() as s:
        body = _messages(
            s,
            system=[{"type": "text", "text": "Be kind."}],
            messages=[{"role": "user", "content": [{"type": "text", "text": "Hello, world!"}]}],
        ).json()
    assert body["usage"]["input_tokens"] == 3 + 4


def test_max_tokens_truncates_with_stop_reason_max_tokens() -> None:
    with MockServer() as s:
        body = _messages(s, max_tokens=3).json()
    assert body["stop_reason"] == "max_tokens"
    assert body["usage"]["output_tokens"] == 3 == count_tokens(body["content"][0]["text"])


def test_stream_events_in_order_and_usage() -> None:
    with (
        MockServer() as s,
        httpx.stream(
            "POST",
            f"{s.anthropic_base_url}/v1/messages",
            json={
                "model": "claude-mock",
                "max_tokens": 100,
                "stream": True,
                "messages": [{"role": "user", "content": PROMPT}],
            },
            headers=HEADERS,
        ) as response,
    ):
        events = _events(response)
    names = [n for n, _ in events]
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert set(names[3:-3]) == {"content_block_delta"}
    assert all(n == d["type"] for n, d in events)
    start = events[0][1]["message"]
    assert start["usage"]["input_tokens"] == count_tokens(PROMPT) and start["content"] == []
    text = "".join(d["delta"]["text"] for n, d in events if n == "content_block_delta")
    assert text == answer_for("claude-mock", PROMPT)
    delta = events[-2][1]
    assert delta["delta"]["stop_reason"] == "end_turn"
    assert delta["usage"]["output_tokens"] == count_tokens(text)


def test_version_header_is_required() -> None:
    with MockServer() as s:
        response = _messages(s, headers={})
    assert response.status_code == 400
    assert response.json()["type"] == "error"
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert "anthropic-version" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"model": "claude-mock", "messages": [{"role": "user", "content": "hi"}]}, "max_tokens"),
        ({"model": "claude-mock", "max_tokens": 5}, "messages"),
        ({"max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}, "model"),
        ({"model": "claude-mock", "max_tokens": 5, "messages": [{"role": "system", "content": "hi"}]}, "role"),
    ],
)
def test_invalid_requests_are_400(body: dict[str, object], field: str) -> None:
    with MockServer() as s:
        response = httpx.post(f"{s.anthropic_base_url}/v1/messages", json=body, headers=HEADERS)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert field in response.json()["error"]["message"]


def test_unknown_model_is_not_found_error() -> None:
    with MockServer() as s:
        response = _messages(s, model="claude-nope")
    assert response.status_code == 404
    assert response.json()["error"] == {"type": "not_found_error", "message": "model: claude-nope"}


def test_context_window_counts_prompt_and_max_tokens() -> None:
    config = MockServerConfig(models=[MockModel(name="claude-mock", context_window=50)])
    with MockServer(config) as s:
        ok = _messages(s, max_tokens=40)
        too_long = _messages(s, max_tokens=45)
    assert ok.status_code == 200
    assert too_long.status_code == 400
    assert "exceed context limit" in too_long.json()["error"]["message"]


def test_api_key_in_x_api_key_or_bearer_header() -> None:
    with MockServer(MockServerConfig(require_api_key="k1")) as s:
        missing = _messages(s)
        wrong = _messages(s, headers={**HEADERS, "x-api-key": "nope"})
        wrong_bearer = _messages(s, headers={**HEADERS, "Authorization": "Bearer nope"})
        right = _messages(s, headers={**HEADERS, "x-api-key": "k1"})
        bearer = _messages(s, headers={**HEADERS, "Authorization": "Bearer k1"})  # what recent SDKs send
    assert bearer.status_code == 200
    for response in (missing, wrong, wrong_bearer):
        assert response.status_code == 401
        assert response.json()["error"]["type"] == "authentication_error"
    assert right.status_code == 200


def test_models_list_in_anthropic_format() -> None:
    with MockServer() as s:
        body = httpx.get(f"{s.anthropic_base_url}/v1/models", headers=HEADERS).json()
    assert body["has_more"] is False
    assert body["data"][0]["type"] == "model" and body["first_id"] == "gpt-mock-mini"
