"""Provider registry: names map to lazy factories, so an optional dependency is imported only when used."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from llmbench.errors import ProviderNotFound
from llmbench.providers.base import Provider
from llmbench.types import ModelConfig

__all__ = ["Provider", "create_provider", "provider_names", "register_provider"]

# name -> "module:ClassName", imported on first use.
_REGISTRY: dict[str, str | Callable[[ModelConfig], Provider]] = {
    "sim": "llmbench.providers.sim:SimProvider",
    "openai": "llmbench.providers.openai:OpenAIProvider",
    "anthropic": "llmbench.providers.anthropic:AnthropicProvider",
    "ollama": "llmbench.providers.ollama:OllamaProvider",
}


def register_provider(name: str, factory: str | Callable[[ModelConfig], Provider]) -> None:
    """Add a provider under ``name``: a factory callable or a ``"module:Class"`` path."""
    _REGISTRY[name] = factory


def provider_names() -> list[str]:
    return sorted(_REGISTRY)


def create_provider(config: ModelConfig) -> Provider:
    """Build the provider for ``config``; unknown names raise :class:`ProviderNotFound`."""
    entry = _REGISTRY.get(config.provider)
    if entry is None:
        raise ProviderNotFound(
            f"unknown provider {config.provider!r} for model {config.model!r}; "
            f"known providers: {', '.join(provider_names())}"
        )
    if isinstance(entry, str):
        module_name, _, class_name = entry.partition(":")
        factory = getattr(importlib.import_module(module_name), class_name)
    else:
        factory = entry
    provider: Provider = factory(config)
    return provider
