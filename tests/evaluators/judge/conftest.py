"""One mock server per module, and a judge pointing at it on any protocol in any judge mode."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from llmbench.mock_server import MockServer, MockServerConfig
from llmbench.types import ModelConfig, Price

#: provider name -> a model the mock server serves for it
MODELS = {"openai": "gpt-mock-mini", "anthropic": "claude-mock", "ollama": "llama-mock"}
PROVIDERS = tuple(MODELS)
#: A declared judge price, so costs are known and checkable to the token.
JUDGE_PRICE = Price(input_per_mtok=2.0, output_per_mtok=8.0)

MakeJudge = Callable[..., ModelConfig]


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(MockServerConfig()) as running:
        yield running


@pytest.fixture
def make_judge(server: MockServer) -> MakeJudge:
    """``make_judge("anthropic", mode="malformed", headers={...}, price=None)``: a judge on the mock server."""

    def make(provider: str, mode: str | None = None, **overrides: object) -> ModelConfig:
        urls = {
            "openai": server.openai_base_url,
            "anthropic": server.anthropic_base_url,
            "ollama": server.ollama_base_url,
        }
        headers = dict(overrides.pop("headers", None) or {})  # type: ignore[call-overload]
        if mode is not None:
            headers["x-mock-judge"] = mode
        values: dict[str, object] = {
            "provider": provider,
            "model": MODELS[provider],
            "base_url": urls[provider],
            "headers": headers,
            "price": JUDGE_PRICE,
        }
        values.update(overrides)
        return ModelConfig.model_validate(values)

    return make
