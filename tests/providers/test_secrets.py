"""A key read from the environment never shows up in errors, results, configs, reprs or logs."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest
from pydantic import SecretStr

from llmbench.errors import AuthenticationError
from llmbench.execution import ModelRunner, RetryPolicy
from llmbench.mock_server import MockServer, MockServerConfig
from llmbench.providers import create_provider
from llmbench.types import ChatMessage, DatasetItem, GenerateRequest, ModelConfig, ModelResult

ENV = "LLMBENCH_TEST_CANARY_KEY"
ITEM = DatasetItem(id="q1", prompt="Name a prime number.")
URLS = {"openai": "openai_base_url", "anthropic": "anthropic_base_url", "ollama": "ollama_base_url"}
MODELS = {"openai": "gpt-mock-mini", "anthropic": "claude-mock", "ollama": "llama-mock"}


@pytest.fixture
def canary(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> str:
    key = f"sk-canary-{uuid.uuid4().hex}"
    monkeypatch.setenv(ENV, key)
    caplog.set_level(logging.DEBUG)  # httpx, aiohttp, asyncio and llmbench loggers, at their most verbose
    return key


def _config(server: MockServer, provider: str) -> ModelConfig:
    return ModelConfig(
        provider=provider, model=MODELS[provider], base_url=getattr(server, URLS[provider]), api_key_env=ENV
    )


def _run(config: ModelConfig) -> ModelResult:
    async def go() -> ModelResult:
        [result] = await ModelRunner(config, policy=RetryPolicy(max_attempts=1)).run([ITEM])
        return result

    return asyncio.run(go())


def _assert_hidden(key: str, config: ModelConfig, result: ModelResult, caplog, capsys) -> None:
    captured = capsys.readouterr()
    places = {
        "result JSON": result.model_dump_json(),
        "result repr": repr(result),
        "config JSON": config.model_dump_json(),
        "config repr": repr(config),
        "logs": caplog.text,
        "stdout": captured.out,
        "stderr": captured.err,
    }
    for where, text in places.items():
        assert key not in text, f"key leaked into {where}"
    assert caplog.records, "nothing was logged, so the log check proved nothing"


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_key_hidden_on_auth_failure(provider: str, canary: str, caplog, capsys) -> None:
    with MockServer(MockServerConfig(require_api_key="sk-the-right-one")) as server:
        config = _config(server, provider)
        result = _run(config)
    assert not result.success and result.error_type == "AuthenticationError"
    _assert_hidden(canary, config, result, caplog, capsys)


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_key_hidden_on_success(provider: str, canary: str, caplog, capsys) -> None:
    with MockServer(MockServerConfig(require_api_key=canary)) as server:
        config = _config(server, provider)
        result = _run(config)
        assert server.requests[-1].header_names  # the server got the request...
    assert result.success, result.error  # ...with the right key, so the key was really sent
    _assert_hidden(canary, config, result, caplog, capsys)


def test_key_hidden_in_raised_exception_and_provider_repr(canary: str, caplog, capsys) -> None:
    with MockServer(MockServerConfig(require_api_key="sk-the-right-one")) as server:
        config = ModelConfig(
            provider="openai", model="gpt-mock-mini", base_url=server.openai_base_url, api_key=SecretStr(canary)
        )

        async def go() -> tuple[AuthenticationError, str]:
            provider = create_provider(config)
            try:
                await provider.generate(GenerateRequest(messages=[ChatMessage(role="user", content="hi")]))
            except AuthenticationError as error:
                return error, repr(provider) + repr(vars(provider))
            finally:
                await provider.aclose()
            raise AssertionError("no AuthenticationError")

        error, provider_repr = asyncio.run(go())
    for text in (str(error), repr(error), repr(error.args), provider_repr, caplog.text):
        assert canary not in text
    assert "sk-canary" not in config.model_dump_json() and "sk-canary" not in repr(config)


def test_missing_env_var_names_the_variable_not_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    result = _run(
        ModelConfig(provider="openai", model="gpt-mock-mini", base_url="http://127.0.0.1:9/v1", api_key_env=ENV)
    )
    assert result.error_type == "AuthenticationError"
    assert result.error and ENV in result.error
