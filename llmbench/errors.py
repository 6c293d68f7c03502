"""The one exception tree of llmbench.

Every failure a user can meet is one of these, and each message says what to do next::

    LLMBenchError
    ├── ConfigError                  bad llmbench.toml, CLI option or parameter
    │   ├── InvalidWeights           ranking/routing weights negative or not summing to 1
    │   └── ProviderNotFound         a model names a provider llmbench does not know
    ├── DatasetError                 a dataset file or line cannot be read
    ├── ComparisonError
    │   ├── NoModels                 nothing to compare
    │   ├── AllModelsFailed          every model failed; per-model errors attached
    │   ├── NoSuccessfulResults      ranking asked for with no successful result
    │   └── ComparisonTimeout        the overall deadline passed before any model finished
    ├── ProviderError                one model call failed (``retryable`` says if trying again may help)
    │   ├── AuthenticationError      401/403: key missing or wrong
    │   ├── RateLimitError           429; ``retry_after`` seconds when the server said
    │   ├── ModelNotFoundError       404 / unknown model
    │   ├── ContextLengthExceeded    prompt too long for the model
    │   ├── InvalidRequestError      other 4xx
    │   ├── ServerError              5xx, or an error body inside a 200 (retryable)
    │   ├── ProviderTimeout          the call exceeded its timeout (retryable)
    │   ├── NetworkError             connection refused/reset/dropped (retryable)
    │   └── MalformedResponse        a body that does not follow the protocol (retryable)
    ├── RoutingError
    │   └── NoModelsMeetConstraints  every candidate was filtered out; names the binding constraint
    ├── ProfileStoreError            the profile store is corrupt or unreachable
    └── LocalServerError             the local Prefect server cannot start (port taken, exited) or be reached

Provider errors never carry request headers, so an API key cannot leak through an exception message.
"""

from __future__ import annotations

__all__ = [
    "AllModelsFailed",
    "AuthenticationError",
    "ComparisonError",
    "ComparisonTimeout",
    "ConfigError",
    "ContextLengthExceeded",
    "DatasetError",
    "InvalidRequestError",
    "InvalidWeights",
    "LLMBenchError",
    "LocalServerError",
    "MalformedResponse",
    "ModelNotFoundError",
    "NetworkError",
    "NoModels",
    "NoModelsMeetConstraints",
    "NoSuccessfulResults",
    "ProfileStoreError",
    "ProviderError",
    "ProviderNotFound",
    "ProviderTimeout",
    "RateLimitError",
    "RoutingError",
    "ServerError",
]


class LLMBenchError(Exception):
    """Root of every error llmbench raises on purpose."""


class ConfigError(LLMBenchError):
    """A configuration value is missing or invalid; the message names the file and key."""


class InvalidWeights(ConfigError):
    """Weights must be non-negative and sum to 1 (within 0.01)."""


class ProviderNotFound(ConfigError):
    """A model refers to a provider that is not registered."""


class DatasetError(LLMBenchError):
    """A dataset cannot be read; the message names the file, line and field."""


class ComparisonError(LLMBenchError):
    """A comparison could not produce a result."""


class NoModels(ComparisonError):
    """A comparison or benchmark was started with no models."""

    def __init__(
        self, message: str = "no models given: pass at least one, e.g. --models sim:oracle-xl,sim:swift-s"
    ) -> None:
        super().__init__(message)


class AllModelsFailed(ComparisonError):
    """Every model failed; ``errors`` maps model identifier to its error message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        detail = "; ".join(f"{model}: {err}" for model, err in self.errors.items())
        super().__init__(f"all {len(self.errors)} models failed ({detail}); check the endpoints and keys")


class NoSuccessfulResults(ComparisonError):
    """Ranking needs at least one successful result."""

    def __init__(self, message: str = "no successful results to rank; every model call failed") -> None:
        super().__init__(message)


class ComparisonTimeout(ComparisonError):
    """The overall deadline passed before any model finished."""


class ProviderError(LLMBenchError):
    """A model call failed. ``retryable`` tells the retry policy whether another attempt may succeed."""

    retryable: bool = False

    def __init__(self, message: str, *, model: str | None = None, status_code: int | None = None) -> None:
        self.model = model
        self.status_code = status_code
        prefix = f"{model}: " if model else ""
        super().__init__(f"{prefix}{message}")


class AuthenticationError(ProviderError):
    """The server rejected the credentials (401/403)."""


class RateLimitError(ProviderError):
    """The server asked us to slow down (429)."""

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        model: str | None = None,
        status_code: int | None = 429,
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, model=model, status_code=status_code)


class ModelNotFoundError(ProviderError):
    """The server does not serve this model."""


class ContextLengthExceeded(ProviderError):
    """The prompt plus max_tokens exceed the model's context window."""


class InvalidRequestError(ProviderError):
    """The server rejected the request as malformed (4xx)."""


class ServerError(ProviderError):
    """The server failed (5xx) or returned an error body; another attempt may succeed."""

    retryable = True


class ProviderTimeout(ProviderError):
    """The call did not complete within its timeout."""

    retryable = True


class NetworkError(ProviderError):
    """The connection could not be made or was dropped."""

    retryable = True


class MalformedResponse(ProviderError):
    """The response does not follow the provider's protocol."""

    retryable = True


class RoutingError(LLMBenchError):
    """The router could not choose a model."""


class NoModelsMeetConstraints(RoutingError):
    """Every candidate was filtered out; ``constraint`` names the one that removed the last models."""

    def __init__(self, constraint: str, detail: str) -> None:
        self.constraint = constraint
        super().__init__(f"no model meets the constraints: {constraint} ({detail}); relax it or add models")


class ProfileStoreError(LLMBenchError):
    """The profile store cannot be read or written; it is never overwritten when corrupt."""


class LocalServerError(LLMBenchError):
    """The local Prefect server llmbench starts could not start or be reached; the message names port or log."""
