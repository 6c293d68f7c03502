"""Which models a user can name: the built-in simulated ones and those declared in llmbench.toml."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from llmbench.config import load_config
from llmbench.pricing import resolve_price
from llmbench.providers.sim import SIM_CATALOGUE
from llmbench.types import ModelConfig, Price

__all__ = ["AvailableModel", "list_available_models"]


class AvailableModel(BaseModel):
    reference: str
    identifier: str
    provider: str
    source: str
    simulated: bool
    price: Price | None
    base_url: str | None = None
    api_key_env: str | None = None
    description: str = ""


def list_available_models(config_path: str | Path | None = None) -> list[AvailableModel]:
    config = load_config(config_path)
    rows = []
    for name, spec in SIM_CATALOGUE.items():
        model = ModelConfig(provider="sim", model=name)
        rows.append(
            AvailableModel(
                reference=f"sim:{name}",
                identifier=model.identifier,
                provider="sim",
                source="built-in (simulated)",
                simulated=True,
                price=resolve_price(model),
                description=f"{spec.description}; quality {spec.quality:.2f}, ~{spec.latency_ms:.0f} ms",
            )
        )
    for name, entry in sorted(config.models.items()):
        model = entry.to_model_config(alias=name)
        rows.append(
            AvailableModel(
                reference=name,
                identifier=model.identifier,
                provider=model.provider,
                source=config.source or "llmbench.toml",
                simulated=model.provider == "sim",
                price=resolve_price(model),
                base_url=model.base_url,
                api_key_env=model.api_key_env,
            )
        )
    return rows
