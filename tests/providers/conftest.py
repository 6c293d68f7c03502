"""Shared fixtures: one real mock server (real sockets) per test module, and helpers to call providers.

Helpers are fixtures rather than importable functions so the tests run under ``--import-mode=importlib``
from any directory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest

from llmbench.mock_server import MockServer, MockServerConfig
from llmbench.providers import create_provider
from llmbench.types import ChatMessage, Completion, GenerateRequest, ModelConfig

#: provider name -> a model the mock server serves for it
MODELS = {"openai": "gpt-mock-mini", "anthropic": "claude-mock", "ollama": "llama-mock"}
PROVIDERS = tuple(MODELS)

MakeConfig = Callable[..., ModelConfig]
Call = Callable[..., Completion]


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(MockServerConfig()) as running:
        yield running


@pytest.fixture
def messages() -> list[ChatMessage]:
    return [
        ChatMessage(role="system", content="You are terse."),
        ChatMessage(role="user", content="Explain why the sky is blue, in one sentence."),
    ]


@pytest.fixture
def make_config(server: MockServer) -> MakeConfig:
    """``make_config("openai", stream=True, ...)``: a ModelConfig pointing at the mock server."""

    def make(provider: str, **overrides: object) -> ModelConfig:
        urls = {
            "openai": server.openai_base_url,
            "anthropic": server.anthropic_base_url,
            "ollama": server.ollama_base_url,
        }
        values: dict[str, object] = {"provider": provider, "model": MODELS[provider], "base_url": urls[provider]}
        values.update(overrides)
        return ModelConfig.model_validate(values)

    return make


@pytest.fixture
def call(messages: list[ChatMessage]) -> Call:
    """``call(config, messages=None)``: one generate on a fresh provider, closed in the same event loop."""

    def run(config: ModelConfig, msgs: list[ChatMessage] | None = None) -> Completion:
        async def go() -> Completion:
            provider = create_provider(config)
            try:
                return await provider.generate(GenerateRequest(messages=msgs or messages))
            finally:
                await provider.aclose()

        return asyncio.run(go())

    return run
