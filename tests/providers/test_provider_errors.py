"""Every ProviderError class, for every provider, from real failures of the mock server (real sockets)."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from llmbench.errors import (
    AuthenticationError,
    ContextLengthExceeded,
    InvalidRequestError,
    MalformedResponse,
    ModelNotFoundError,
    NetworkError,
    ProviderError,
    ProviderTimeout,
    RateLimitError,
    ServerError,
)
from llmbench.providers.http import parse_retry_after, raise_for_status

PROVIDERS = ("openai", "anthropic", "ollama")

#: fault -> (error class, retryable)
HTTP_FAULTS: dict[str, tuple[type[ProviderError], bool]] = {
    "auth": (AuthenticationError, False),
    "not_found": (ModelNotFoundError, False),
    "rate_limit": (RateLimitError, True),
    "server_error": (ServerError, True),
    "unavailable": (ServerError, True),
    "context_length": (ContextLengthExceeded, False),
    "bad_request": (InvalidRequestError, False),
}
#: faults that shape a 200 response -> error class
BODY_FAULTS: dict[str, type[ProviderError]] = {
    "malformed": MalformedResponse,
    "stream_cut": NetworkError,
    "error_body": ServerError,
}


def _raises(call, config, error_class: type[ProviderError]) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        call(config)
    assert type(caught.value) is error_class, f"{type(caught.value).__name__}: {caught.value}"
    return caught.value


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("fault", sorted(HTTP_FAULTS))
def test_http_status_faults(provider: str, fault: str, make_config, call) -> None:
    error_class, retryable = HTTP_FAULTS[fault]
    error = _raises(call, make_config(provider, headers={"x-mock-fault": fault}), error_class)
    assert error.retryable is retryable
    assert error.status_code is not None and error.status_code >= 400
    assert f"HTTP {error.status_code}:" in str(error)
    assert str(error).startswith(f"{provider}/")


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("fault", sorted(BODY_FAULTS))
def test_faults_inside_a_200(provider: str, stream: bool, fault: str, make_config, call) -> None:
    error = _raises(call, make_config(provider, stream=stream, headers={"x-mock-fault": fault}), BODY_FAULTS[fault])
    assert error.retryable  # a truncated or broken answer is retried, never returned as a success


@pytest.mark.parametrize("provider", PROVIDERS)
def test_unknown_model_is_model_not_found(provider: str, make_config, call) -> None:
    error = _raises(call, make_config(provider, model="no-such-model"), ModelNotFoundError)
    assert "no-such-model" in str(error)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_oversized_prompt_is_context_length(provider: str, make_config, call) -> None:
    _raises(call, make_config(provider, max_tokens=9000), ContextLengthExceeded)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_retry_after_seconds_is_parsed(provider: str, make_config, call) -> None:
    headers = {"x-mock-fault": "rate_limit", "x-mock-retry-after": "7"}
    error = _raises(call, make_config(provider, headers=headers), RateLimitError)
    assert isinstance(error, RateLimitError) and error.retry_after == 7.0


def test_retry_after_http_date_is_parsed(make_config, call) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    headers = {"x-mock-fault": "rate_limit", "x-mock-retry-after": when}
    error = _raises(call, make_config("openai", headers=headers), RateLimitError)
    assert isinstance(error, RateLimitError) and error.retry_after is not None
    assert 25 <= error.retry_after <= 30


@pytest.mark.parametrize("provider", PROVIDERS)
def test_slow_server_is_provider_timeout(provider: str, make_config, call) -> None:
    headers = {"x-mock-fault": "timeout", "x-mock-delay": "2"}
    _raises(call, make_config(provider, timeout_seconds=0.3, headers=headers), ProviderTimeout)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_dropped_connection_is_network_error(provider: str, make_config, call) -> None:
    _raises(call, make_config(provider, headers={"x-mock-fault": "drop"}), NetworkError)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_refused_connection_is_network_error(provider: str, make_config, call) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = {"openai": f"http://127.0.0.1:{port}/v1"}.get(provider, f"http://127.0.0.1:{port}")
    _raises(call, make_config(provider, base_url=base), NetworkError)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_named_env_var_missing_is_authentication_error(
    provider: str, make_config, call, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LLMBENCH_TEST_UNSET_KEY", raising=False)
    error = _raises(call, make_config(provider, api_key_env="LLMBENCH_TEST_UNSET_KEY"), AuthenticationError)
    assert "LLMBENCH_TEST_UNSET_KEY" in str(error)


def test_bad_base_url_is_not_retried(make_config, call) -> None:
    error = _raises(call, make_config("openai", base_url="ftp://127.0.0.1/v1"), InvalidRequestError)
    assert not error.retryable


# ---- the mapping itself, on synthetic responses (cases the mock server has no fault for)


def _response(status: int, **kwargs: object) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("POST", "http://x/"), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, ServerError),
        (502, "<html>bad gateway</html>", ServerError),
        (403, {"error": {"message": "forbidden"}}, AuthenticationError),
        (408, {"error": "slow"}, ProviderTimeout),
        (422, {"error": {"message": "bad"}}, InvalidRequestError),
        (400, {"error": {"message": "prompt is too long: 201000 tokens > 200000 maximum"}}, ContextLengthExceeded),
        (429, {"error": {"message": "You exceeded your quota", "code": "insufficient_quota"}}, InvalidRequestError),
    ],
)
def test_status_mapping(status: int, body: object, expected: type[ProviderError]) -> None:
    response = _response(status, json=body) if not isinstance(body, str) else _response(status, text=body)
    with pytest.raises(ProviderError) as caught:
        raise_for_status(response, "p/m")
    assert type(caught.value) is expected
    assert caught.value.status_code == status


def test_error_message_is_truncated_and_redacted() -> None:
    response = _response(401, json={"error": {"message": "Incorrect API key provided: sk-secret-1. " + "x" * 1000}})
    with pytest.raises(AuthenticationError) as caught:
        raise_for_status(response, "p/m", secrets=("sk-secret-1",))
    message = str(caught.value)
    assert "sk-secret-1" not in message and "[redacted]" in message
    assert len(message) < 400


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after": "-4"}, 0.0),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"}, 10.0),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # now: no wait
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    now = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC)
    assert parse_retry_after(httpx.Headers(headers), now=now) == expected


# ---- a stream that ends cleanly but early is not a success


_EARLY_END = {
    "openai": (b'data: {"choices":[{"index":0,"delta":{"content":"Half an ans"}}]}\n\n', "text/event-stream"),
    "anthropic": (
        b'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":3}}}\n\n'
        b'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"Ha"}}'
        b"\n\n",
        "text/event-stream",
    ),
    "ollama": (b'{"message":{"role":"assistant","content":"Half"},"done":false}\n', "application/x-ndjson"),
}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_stream_without_end_marker_is_network_error(provider: str, call) -> None:
    from llmbench.providers import create_provider
    from llmbench.providers.http import HTTPProvider
    from llmbench.types import ChatMessage, GenerateRequest, ModelConfig

    body, content_type = _EARLY_END[provider]
    transport = httpx.MockTransport(lambda _: httpx.Response(200, content=body, headers={"content-type": content_type}))
    config = ModelConfig(provider=provider, model="m", stream=True, api_key=None)
    provider_class = type(create_provider(config))
    assert issubclass(provider_class, HTTPProvider)

    async def go() -> None:
        instance = provider_class(config, transport=transport)
        try:
            await instance.generate(GenerateRequest(messages=[ChatMessage(role="user", content="hi")]))
        finally:
            await instance.aclose()

    with pytest.raises(NetworkError, match="stream ended before"):
        asyncio.run(go())
