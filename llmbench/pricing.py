"""What a call cost, from declared or maintained prices. An unknown price gives ``None``, never $0.

Maintained prices come from the data the ``genai-prices`` package ships, read from its bundled module directly:
its ``UpdatePrices`` background fetch is never started, and a snapshot fetched by anyone else in the process is
ignored, so lookups are offline and reproducible for a given package version.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from llmbench.types import ModelConfig, ModelResult, Price, Usage

if TYPE_CHECKING:  # genai-prices costs ~125 ms to import: only a lookup pays it
    from genai_prices.data_snapshot import DataSnapshot
    from genai_prices.types import TieredPrices

__all__ = ["Spend", "cost_usd", "resolve_price", "spend_summary"]


def resolve_price(config: ModelConfig) -> Price | None:
    """The config's price wins; simulated models use their declared prices; others are looked up."""
    if config.price is not None:
        return config.price
    if config.provider == "sim":
        from llmbench.providers.sim import SIM_PRICES

        return SIM_PRICES.get(config.model)
    return _lookup_maintained_price(config)


#: llmbench provider name -> genai-prices provider id. Local providers (ollama) are absent on purpose: a local
#: model costs what its config declares, not an implicit 0. Other names are tried as genai-prices ids as they are.
_GENAI_PROVIDER_IDS: dict[str, str | None] = {"openai": "openai", "anthropic": "anthropic", "ollama": None}


def _lookup_maintained_price(config: ModelConfig) -> Price | None:
    """Price from the maintained `genai-prices` data, or None when it does not know the model."""
    provider_id = _GENAI_PROVIDER_IDS.get(config.provider, config.provider)
    if provider_id is None:
        return None
    return _genai_price(provider_id, config.model)


@lru_cache(maxsize=1)
def _bundled_prices() -> DataSnapshot:
    """The data shipped in the package, never a snapshot another library fetched with ``UpdatePrices``."""
    from genai_prices.data import providers
    from genai_prices.data_snapshot import DataSnapshot

    return DataSnapshot(providers=providers, from_auto_update=False)


@lru_cache(maxsize=256)
def _genai_price(provider_id: str, model: str) -> Price | None:
    """Today's standard (non-batch) rates; for tiered prices the base tier (prompts under the first threshold)."""
    from genai_prices.types import TieredPrices

    try:
        _, info = _bundled_prices().find_provider_model(model, None, provider_id, None)
        prices = info.get_prices(datetime.now(UTC))
    except (LookupError, ValueError):  # unknown provider or model: the price is unknown, not 0
        return None

    def rate(value: Decimal | TieredPrices | None) -> float | None:
        if isinstance(value, TieredPrices):
            value = value.base
        return float(value) if value is not None else None

    input_rate, output_rate = rate(prices.input_mtok), rate(prices.output_mtok)
    if input_rate is None or output_rate is None:
        return None
    return Price(
        input_per_mtok=input_rate, output_per_mtok=output_rate, cached_input_per_mtok=rate(prices.cache_read_mtok)
    )


def cost_usd(usage: Usage, price: Price | None) -> float | None:
    """Cost of one call in USD; cached input tokens use the cached price when one is declared."""
    if price is None:
        return None
    cached = usage.cached_input_tokens if price.cached_input_per_mtok is not None else 0
    fresh_input = usage.input_tokens - cached
    total = fresh_input * price.input_per_mtok + usage.output_tokens * price.output_per_mtok
    if cached:
        total += cached * (price.cached_input_per_mtok or 0.0)
    return total / 1_000_000


class Spend(BaseModel):
    """Money of a set of rows: spent on calls made, and the original cost of answers served from the cache."""

    spent_usd: float | None = Field(description="None when a row that cost money has an unknown price")
    cached_usd: float | None = Field(description="Original cost of cached answers: not spent again")
    n_cached: int
    n_called: int


def spend_summary(results: Iterable[ModelResult]) -> Spend:
    """Spent vs served from cache; an unknown price makes the total unknown, never $0."""
    spent: float | None = 0.0
    cached: float | None = 0.0
    n_cached = n_called = 0
    for row in results:
        if row.cached:
            n_cached += 1
            cached = None if cached is None or row.cost_usd is None else cached + row.cost_usd
        elif row.success:
            n_called += 1
            spent = None if spent is None or row.cost_usd is None else spent + row.cost_usd
    return Spend(spent_usd=spent, cached_usd=cached, n_cached=n_cached, n_called=n_called)
