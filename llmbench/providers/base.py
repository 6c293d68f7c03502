"""The provider interface: one abstract coroutine, ``generate``.

Retries, timeouts, concurrency and cost live once in :mod:`llmbench.execution`, not in providers, so a new
provider is a small file that turns a :class:`GenerateRequest` into a :class:`Completion` or a
:class:`~llmbench.errors.ProviderError`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from llmbench.types import Completion, GenerateRequest, ModelConfig

__all__ = ["Provider"]


class Provider(ABC):
    """Calls one model. Instances are created per run and closed with :meth:`aclose`."""

    #: Whether answers come from a simulation rather than a real model (shown in every report).
    simulated: bool = False

    def __init__(self, config: ModelConfig) -> None:
        self.config = config

    @abstractmethod
    async def generate(self, request: GenerateRequest) -> Completion:
        """Send one request; raise a ProviderError subclass on failure."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook, most providers hold no connections
        """Release connections; the default has none."""
