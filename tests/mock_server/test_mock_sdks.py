"""The official OpenAI and Anthropic SDKs accept the mock server's answers and map its errors."""

from __future__ import annotations

import pytest

from llmbench.mock_server import MockServer, MockServerConfig, answer_for, count_tokens

openai = pytest.importorskip("openai")
anthropic = pytest.importorskip("anthropic")

PROMPT = "Name three prime numbers."


def test_openai_sdk_non_streaming() -> None:
    with MockServer() as s:
        client = openai.OpenAI(base_url=s.openai_base_url, api_key="x", max_retries=0)
        completion = client.chat.completions.create(
            model="gpt-mock-large", messages=[{"role": "user", "content": PROMPT}]
        )
    text = completion.choices[0].message.content
    assert text == answer_for("gpt-mock-large", PROMPT)
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.prompt_tokens == count_tokens(PROMPT)
    assert completion.usage.completion_tokens == count_tokens(text)


def test_openai_sdk_streaming_with_usage() -> None:
    with MockServer() as s:
        client = openai.OpenAI(base_url=s.openai_base_url, api_key="x", max_retries=0)
        stream = client.chat.completions.create(
            model="gpt-mock-mini",
            messages=[{"role": "user", "content": PROMPT}],
            stream=True,
            stream_options={"include_usage": True},
            max_tokens=6,
        )
        chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert count_tokens(text) == 6 and answer_for("gpt-mock-mini", PROMPT).startswith(text)
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "length"
    assert chunks[-1].usage.completion_tokens == 6
    assert chunks[-1].usage.prompt_tokens == count_tokens(PROMPT)


def test_openai_sdk_maps_errors() -> None:
    with MockServer(MockServerConfig(require_api_key="right")) as s:
        client = openai.OpenAI(base_url=s.openai_base_url, api_key="right", max_retries=0)
        with pytest.raises(openai.RateLimitError):
            client.chat.completions.create(
                model="gpt-mock-mini",
                messages=[{"role": "user", "content": PROMPT}],
                extra_headers={"x-mock-fault": "rate_limit"},
            )
        with pytest.raises(openai.NotFoundError):
            client.chat.completions.create(model="nope", messages=[{"role": "user", "content": PROMPT}])
        with pytest.raises(openai.BadRequestError) as too_long:
            client.chat.completions.create(
                model="gpt-mock-mini",
                messages=[{"role": "user", "content": PROMPT}],
                extra_headers={"x-mock-fault": "context_length"},
            )
        assert too_long.value.code == "context_length_exceeded"
        wrong = openai.OpenAI(base_url=s.openai_base_url, api_key="wrong", max_retries=0)
        with pytest.raises(openai.AuthenticationError):
            wrong.models.list()
        assert [m.id for m in client.models.list()][:1] == ["gpt-mock-mini"]


def test_openai_sdk_retries_through_counted_429s() -> None:
    with MockServer() as s:
        client = openai.OpenAI(base_url=s.openai_base_url, api_key="x", max_retries=2)
        completion = client.chat.completions.create(
            model="gpt-mock-mini",
            messages=[{"role": "user", "content": PROMPT}],
            extra_headers={
                "x-mock-fault": "rate_limit",
                "x-mock-fault-count": "2",
                "x-mock-fault-key": "sdk",
                "x-mock-retry-after": "0.05",  # the SDK honours Retry-After; keep the test fast
            },
        )
        assert len(s.requests) == 3
    assert completion.choices[0].message.content


def test_anthropic_sdk_create() -> None:
    with MockServer() as s:
        client = anthropic.Anthropic(base_url=s.anthropic_base_url, api_key="x", max_retries=0)
        message = client.messages.create(
            model="claude-mock", max_tokens=100, system="Be exact.", messages=[{"role": "user", "content": PROMPT}]
        )
    assert message.content[0].text == answer_for("claude-mock", PROMPT)
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens == count_tokens("Be exact.") + count_tokens(PROMPT)
    assert message.usage.output_tokens == count_tokens(message.content[0].text)


def test_anthropic_sdk_stream() -> None:
    with MockServer() as s:
        client = anthropic.Anthropic(base_url=s.anthropic_base_url, api_key="x", max_retries=0)
        with client.messages.stream(
            model="claude-mock", max_tokens=100, messages=[{"role": "user", "content": PROMPT}]
        ) as stream:
            streamed = "".join(stream.text_stream)
            message = stream.get_final_message()
    assert streamed == message.content[0].text == answer_for("claude-mock", PROMPT)
    assert message.usage.input_tokens == count_tokens(PROMPT)
    assert message.usage.output_tokens == count_tokens(streamed)
    assert message.stop_reason == "end_turn"


def test_anthropic_sdk_maps_errors() -> None:
    with MockServer(MockServerConfig(require_api_key="right")) as s:
        wrong = anthropic.Anthropic(base_url=s.anthropic_base_url, api_key="wrong", max_retries=0)
        with pytest.raises(anthropic.AuthenticationError):
            wrong.messages.create(model="claude-mock", max_tokens=5, messages=[{"role": "user", "content": PROMPT}])
        client = anthropic.Anthropic(base_url=s.anthropic_base_url, api_key="right", max_retries=0)
        with pytest.raises(anthropic.RateLimitError):
            client.messages.create(
                model="claude-mock",
                max_tokens=5,
                messages=[{"role": "user", "content": PROMPT}],
                extra_headers={"x-mock-fault": "rate_limit"},
            )
        with pytest.raises(anthropic.NotFoundError):
            client.messages.create(model="nope", max_tokens=5, messages=[{"role": "user", "content": PROMPT}])
        with pytest.raises(anthropic.InternalServerError) as overloaded:
            client.messages.create(
                model="claude-mock",
                max_tokens=5,
                messages=[{"role": "user", "content": PROMPT}],
                extra_headers={"x-mock-fault": "unavailable"},
            )
        assert overloaded.value.status_code == 529
        with (
            pytest.raises(anthropic.APIStatusError),
            client.messages.stream(
                model="claude-mock",
                max_tokens=5,
                messages=[{"role": "user", "content": PROMPT}],
                extra_headers={"x-mock-fault": "error_body"},
            ) as stream,
        ):
            stream.get_final_message()


def test_anthropic_sdk_sees_dropped_connection() -> None:
    with MockServer() as s:
        client = anthropic.Anthropic(base_url=s.anthropic_base_url, api_key="x", max_retries=0)
        with pytest.raises(anthropic.APIConnectionError):
            client.messages.create(
                model="claude-mock",
                max_tokens=5,
                messages=[{"role": "user", "content": PROMPT}],
                extra_headers={"x-mock-fault": "drop"},
            )
