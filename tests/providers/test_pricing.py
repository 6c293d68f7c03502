"""Usage and cost to the token through ModelRunner, and prices from the genai-prices data shipped offline."""

from __future__ import annotations

import asyncio
import threading

import pytest
from genai_prices import data_snapshot

from llmbench import pricing
from llmbench.execution import ModelRunner, RetryPolicy, build_request
from llmbench.mock_server import count_tokens
from llmbench.pricing import cost_usd, resolve_price
from llmbench.types import DatasetItem, ModelConfig, ModelResult, Price, Usage

ITEM = DatasetItem(id="q1", prompt="What makes bread rise?", context="Yeast ferments sugars into carbon dioxide.")
PRICE = Price(input_per_mtok=2.0, output_per_mtok=8.0)


def _run(config: ModelConfig) -> ModelResult:
    async def go() -> ModelResult:
        [result] = await ModelRunner(config, policy=RetryPolicy(max_attempts=1)).run([ITEM])
        return result

    return asyncio.run(go())


@pytest.mark.parametrize("provider", ["openai", "anthropic", "ollama"])
@pytest.mark.parametrize("stream", [False, True])
def test_usage_and_cost_to_the_token(provider: str, stream: bool, make_config) -> None:
    result = _run(make_config(provider, stream=stream, price=PRICE))
    assert result.success, result.error
    assert result.response is not None and result.usage is not None
    prompt_tokens = sum(count_tokens(m.content) for m in build_request(ITEM).messages)
    completion_tokens = count_tokens(result.response)
    assert (result.usage.input_tokens, result.usage.output_tokens) == (prompt_tokens, completion_tokens)
    assert result.price_known
    expected = (prompt_tokens * PRICE.input_per_mtok + completion_tokens * PRICE.output_per_mtok) / 1e6
    assert result.cost_usd == pytest.approx(expected, rel=1e-12, abs=0)


def test_unknown_model_has_no_cost(make_config) -> None:
    result = _run(make_config("openai"))  # gpt-mock-mini: no declared price, unknown to genai-prices
    assert result.success
    assert result.cost_usd is None
    assert not result.price_known


def test_local_model_has_no_implicit_zero(make_config) -> None:
    assert resolve_price(ModelConfig(provider="ollama", model="llama3.1")) is None
    free = _run(make_config("ollama", price=Price(input_per_mtok=0, output_per_mtok=0)))
    assert free.cost_usd == 0.0 and free.price_known


def test_genai_prices_knows_well_known_models() -> None:
    for provider, model in [("openai", "gpt-4o"), ("openai", "gpt-4o-mini"), ("anthropic", "claude-3-5-sonnet-latest")]:
        price = resolve_price(ModelConfig(provider=provider, model=model))
        assert price is not None, model
        assert 0 < price.input_per_mtok < price.output_per_mtok
        assert price.cached_input_per_mtok is not None and price.cached_input_per_mtok < price.input_per_mtok


def test_tiered_price_uses_the_base_tier() -> None:
    from genai_prices import Usage as GenaiUsage
    from genai_prices import calc_price

    price = resolve_price(ModelConfig(provider="anthropic", model="claude-sonnet-4-5"))
    assert price is not None
    small = calc_price(GenaiUsage(input_tokens=1000, output_tokens=1000), "claude-sonnet-4-5", provider_id="anthropic")
    assert cost_usd(Usage(input_tokens=1000, output_tokens=1000), price) == pytest.approx(float(small.total_price))


def test_config_price_wins() -> None:
    assert resolve_price(ModelConfig(provider="openai", model="gpt-4o", price=PRICE)) == PRICE


def test_unknown_provider_is_unknown_not_zero() -> None:
    assert resolve_price(ModelConfig(provider="nowhere", model="gpt-4o-ish")) is None


def test_lookup_is_offline_and_ignores_fetched_snapshots() -> None:
    # As if another library had fetched prices with genai-prices' UpdatePrices: an (empty) auto-updated snapshot.
    data_snapshot.set_custom_snapshot(data_snapshot.DataSnapshot(providers=[], from_auto_update=True))
    pricing._genai_price.cache_clear()
    try:
        assert resolve_price(ModelConfig(provider="openai", model="gpt-4o")) is not None
    finally:
        data_snapshot.set_custom_snapshot(None)
        pricing._genai_price.cache_clear()
    assert not any(t.name.startswith("genai_prices") for t in threading.enumerate())


def test_cached_tokens_use_cached_price() -> None:
    price = Price(input_per_mtok=10, output_per_mtok=20, cached_input_per_mtok=1)
    usage = Usage(input_tokens=1000, output_tokens=100, cached_input_tokens=400)
    assert cost_usd(usage, price) == pytest.approx((600 * 10 + 400 * 1 + 100 * 20) / 1e6)
