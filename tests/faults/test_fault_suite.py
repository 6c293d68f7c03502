"""Every fault the mock server injects, through every protocol (streaming and not), through ModelRunner.

The contract: a success only with the whole, non-empty answer; every other outcome a typed failure row with the
right ``error_type`` and exactly as many attempts as the server received requests.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from llmbench.execution import ModelRunner, RetryPolicy
from llmbench.mock_server import MockServer, MockServerConfig, answer_for, count_tokens
from llmbench.providers import Provider
from llmbench.types import Completion, DatasetItem, GenerateRequest, ModelConfig, ModelResult, Usage

POLICY = RetryPolicy(max_attempts=3, backoff_initial_seconds=0.001, backoff_max_seconds=0.002, timeout_seconds=0.4)
ITEM = DatasetItem(id="q1", prompt="Why do owls hunt at night?")
MODELS = {"openai": "gpt-mock-mini", "anthropic": "claude-mock", "ollama": "llama-mock"}


@dataclass(frozen=True)
class Expect:
    """The outcome a fault must produce: None for success, else the error type and the attempts made."""

    error_type: str | None
    attempts: int
    truncated: bool = False


RETRIED = POLICY.max_attempts
FAULTS: dict[str, Expect] = {
    "none": Expect(None, 1),
    "truncated": Expect(None, 1, truncated=True),
    "rate_limit": Expect("RateLimitError", RETRIED),
    "server_error": Expect("ServerError", RETRIED),
    "unavailable": Expect("ServerError", RETRIED),
    "timeout": Expect("ProviderTimeout", RETRIED),
    "drop": Expect("NetworkError", RETRIED),
    "malformed": Expect("MalformedResponse", RETRIED),
    "stream_cut": Expect("NetworkError", RETRIED),
    "error_body": Expect("ServerError", RETRIED),
    "empty": Expect("EmptyResponse", RETRIED),
    "auth": Expect("AuthenticationError", 1),
    "not_found": Expect("ModelNotFoundError", 1),
    "context_length": Expect("ContextLengthExceeded", 1),
    "bad_request": Expect("InvalidRequestError", 1),
}
CASES = [
    pytest.param(provider, stream, fault, id=f"{provider}-{'stream' if stream else 'json'}-{fault}")
    for provider in MODELS
    for stream in (False, True)
    for fault in FAULTS
]


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(MockServerConfig()) as running:
        yield running


def _config(server: MockServer, provider: str, stream: bool, headers: dict[str, str]) -> ModelConfig:
    urls = {"openai": server.openai_base_url, "anthropic": server.url, "ollama": server.url}
    return ModelConfig(
        provider=provider, model=MODELS[provider], base_url=urls[provider], stream=stream, headers=headers
    )


def _run(config: ModelConfig) -> ModelResult:
    async def go() -> ModelResult:
        [result] = await ModelRunner(config, policy=POLICY).run([ITEM])
        return result

    return asyncio.run(go())


def _fault_headers(fault: str, count: int | None = None) -> tuple[str, dict[str, str]]:
    key = uuid.uuid4().hex
    headers = {"x-mock-fault-key": key, "x-mock-retry-after": "0", "x-mock-delay": "3"}
    if fault != "none":
        headers["x-mock-fault"] = fault
    if count is not None:
        headers["x-mock-fault-count"] = str(count)
    return key, headers


def _calls(server: MockServer, key: str) -> int:
    return sum(1 for r in server.requests if r.mock_headers.get("x-mock-fault-key") == key)


@pytest.mark.parametrize(("provider", "stream", "fault"), CASES)
def test_fault_outcome(server: MockServer, provider: str, stream: bool, fault: str) -> None:
    expect = FAULTS[fault]
    key, headers = _fault_headers(fault)
    result = _run(_config(server, provider, stream, headers))

    assert result.attempts == expect.attempts == _calls(server, key)
    if expect.error_type is None:
        whole = answer_for(MODELS[provider], ITEM.prompt)
        assert result.success, result.error
        assert result.error_type is None
        assert result.truncated is expect.truncated
        if expect.truncated:
            assert result.response and whole.startswith(result.response) and result.response != whole
            assert count_tokens(result.response) == count_tokens(whole) // 2
        else:
            assert result.response == whole
    else:
        assert not result.success
        assert result.error_type == expect.error_type, result.error
        assert result.response is None and result.error


@pytest.mark.parametrize("provider", list(MODELS))
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize("fault", ["empty", "rate_limit", "stream_cut", "malformed", "error_body"])
def test_a_transient_fault_then_the_whole_answer(server: MockServer, provider: str, stream: bool, fault: str) -> None:
    key, headers = _fault_headers(fault, count=1)
    result = _run(_config(server, provider, stream, headers))
    assert result.success, result.error
    assert result.attempts == 2 == _calls(server, key)
    assert result.response == answer_for(MODELS[provider], ITEM.prompt)


@pytest.mark.parametrize("provider", list(MODELS))
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_an_answer_cut_by_max_tokens_is_kept_and_flagged(server: MockServer, provider: str, stream: bool) -> None:
    key, headers = _fault_headers("none")
    config = _config(server, provider, stream, headers).model_copy(update={"max_tokens": 3})
    result = _run(config)
    assert result.success and result.truncated
    assert result.attempts == 1 == _calls(server, key)
    assert result.response and count_tokens(result.response) == 3


class _Silent(Provider):
    """Answers by the protocol but with nothing, with a given finish reason."""

    def __init__(self, config: ModelConfig, finish_reason: str) -> None:
        super().__init__(config)
        self.finish_reason = finish_reason
        self.calls = 0

    async def generate(self, request: GenerateRequest) -> Completion:
        self.calls += 1
        return Completion(
            text=" \n", usage=Usage(input_tokens=5, output_tokens=0), latency_ms=1, finish_reason=self.finish_reason
        )


@pytest.mark.parametrize(
    ("finish_reason", "attempts"), [("stop", RETRIED), (None, RETRIED), ("length", 1), ("max_tokens", 1)]
)
def test_an_empty_answer_is_retried_unless_its_finish_reason_explains_it(
    finish_reason: str | None, attempts: int
) -> None:
    config = ModelConfig(provider="openai", model="x")
    provider = _Silent(config, finish_reason)  # type: ignore[arg-type]

    async def go() -> ModelResult:
        [result] = await ModelRunner(config, policy=POLICY, provider=provider).run([ITEM])
        return result

    result = asyncio.run(go())
    assert not result.success and result.error_type == "EmptyResponse"
    assert result.attempts == attempts == provider.calls
