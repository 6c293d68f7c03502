"""Retries through llmbench.execution.ModelRunner against real failures of the mock server."""

from __future__ import annotations

import asyncio
import time
import uuid

from llmbench.execution import ModelRunner, RetryPolicy
from llmbench.mock_server import MockServer
from llmbench.types import DatasetItem, ModelConfig, ModelResult

POLICY = RetryPolicy(max_attempts=3, backoff_initial_seconds=0.01, backoff_max_seconds=0.05, timeout_seconds=10)
ITEM = DatasetItem(id="q1", prompt="Why do leaves change colour in autumn?")


def _run(config: ModelConfig, policy: RetryPolicy = POLICY) -> tuple[ModelResult, float]:
    async def go() -> tuple[ModelResult, float]:
        started = time.perf_counter()
        [result] = await ModelRunner(config, policy=policy).run([ITEM])
        return result, time.perf_counter() - started

    return asyncio.run(go())


def _fault(kind: str, count: int | None = None, retry_after: str | None = None) -> tuple[str, dict[str, str]]:
    key = uuid.uuid4().hex
    headers = {"x-mock-fault": kind, "x-mock-fault-key": key}
    if count is not None:
        headers["x-mock-fault-count"] = str(count)
    if retry_after is not None:
        headers["x-mock-retry-after"] = retry_after
    return key, headers


def _requests_with(server: MockServer, key: str) -> int:
    return sum(1 for r in server.requests if r.mock_headers.get("x-mock-fault-key") == key)


def test_succeeds_after_two_rate_limits(server, make_config) -> None:
    for provider in ("openai", "anthropic", "ollama"):
        key, headers = _fault("rate_limit", count=2, retry_after="0")
        result, _ = _run(make_config(provider, headers=headers))
        assert result.success, result.error
        assert result.attempts == 3
        assert _requests_with(server, key) == 3


def test_retry_after_is_really_waited(make_config) -> None:
    _, headers = _fault("rate_limit", count=1, retry_after="1")
    result, elapsed = _run(make_config("openai", headers=headers))
    assert result.success and result.attempts == 2
    assert elapsed >= 0.9  # a lower bound only: this checks behaviour, not speed


def test_gives_up_after_the_attempt_budget(server, make_config) -> None:
    key, headers = _fault("rate_limit", retry_after="0")
    result, _ = _run(make_config("anthropic", headers=headers))
    assert not result.success
    assert result.error_type == "RateLimitError"
    assert result.attempts == POLICY.max_attempts == _requests_with(server, key)
    assert result.error and "HTTP 429" in result.error


def test_authentication_error_is_tried_once(server, make_config) -> None:
    key, headers = _fault("auth")
    result, _ = _run(make_config("openai", headers=headers))
    assert not result.success
    assert result.error_type == "AuthenticationError"
    assert result.attempts == 1 == _requests_with(server, key)


def test_cut_stream_is_retried_not_returned_truncated(server, make_config) -> None:
    for provider in ("openai", "anthropic", "ollama"):
        key, headers = _fault("stream_cut", count=1)
        result, _ = _run(make_config(provider, stream=True, headers=headers))
        assert result.success and result.attempts == 2
        assert result.response and result.response.endswith(".")  # the whole answer, not the cut one
        assert _requests_with(server, key) == 2
