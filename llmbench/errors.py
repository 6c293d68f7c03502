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
    │   ├── MalformedResponse        a body that does not follow the protocol (retryable)
    │   └── EmptyResponse            a well-formed answer with no content (retryable unless the finish reason
    │                                says why it is empty, e.g. max_tokens spent before any text)
    ├── EvaluationFailed             one metric could not score one answer: recorded on its row, never a score
    │   ├── JudgeCallFailed          the judge call failed after the runner's retries (timeout, 5xx, ...)
    │   └── UnparseableVerdict       the judge answered, but not with a verdict that follows its schema
    ├── RoutingError
    │   └── NoModelsMeetConstraints  every candidate was filtered out; names the binding constraint
    ├── ProfileStoreError            the profile store is corrupt or unreachable
    ├── StoreError                   the result store / response cache cannot be opened, read or written
    │   └── RunNotFound              ``resume`` names a run the store does not have
    ├── TrackingError                the MLflow store cannot be read
    │   └── TrackedRunNotFound       a run reference (id, prefix, "latest") matches no llmbench run in it
    ├── SlotWaitTimeout              provider concurrency slots stayed taken longer than [prefect] slot_wait_seconds
    └── LocalServerError             the local Prefect server cannot start (port taken, exited) or be reached

Provider errors never carry request headers, so an API key cannot leak through an exception message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # types imports this module, so the judge's usage type is only named for type checkers
    from llmbench.types import JudgeUsage

__all__ = [
    "AllModelsFailed",
    "AuthenticationError",
    "ComparisonError",
    "ComparisonTimeout",
    "ConfigError",
    "ContextLengthExceeded",
    "DatasetError",
    "EmptyResponse",
    "EvaluationFailed",
    "InvalidRequestError",
    "InvalidWeights",
    "JudgeCallFailed",
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
    "RunNotFound",
    "ServerError",
    "SlotWaitTimeout",
    "StoreError",
    "TrackedRunNotFound",
    "TrackingError",
    "UnparseableVerdict",
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


class EmptyResponse(ProviderError):
    """The server answered by the protocol but with no content (no choice, no text block, only whitespace).

    Retryable by default: the cases met in practice (a stream with no choice, a message with empty content) are
    server glitches that another attempt usually fixes. Not retryable when the finish reason explains the
    emptiness (``length``/``max_tokens``: the token budget was spent before any visible text; a content filter):
    the same request would get the same nothing, and every attempt is billed.
    """

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        model: str | None = None,
        status_code: int | None = None,
        finish_reason: str | None = None,
    ) -> None:
        self.finish_reason = finish_reason
        if finish_reason in _EMPTY_FOR_A_REASON:
            self.retryable = False
        super().__init__(message, model=model, status_code=status_code)


#: Finish reasons that explain an empty answer: trying again with the same request would give the same.
_EMPTY_FOR_A_REASON = frozenset({"length", "max_tokens", "content_filter", "refusal", "safety"})


class EvaluationFailed(LLMBenchError):
    """A metric could not score one answer. ``raw`` keeps the judge's unusable answers verbatim; ``usage`` is
    what the attempt cost, so a failed evaluation still shows in the judge's budget line."""

    def __init__(
        self,
        message: str,
        *,
        raw: list[str] | None = None,
        details: dict[str, Any] | None = None,
        usage: JudgeUsage | None = None,
    ) -> None:
        self.message = message
        self.raw = list(raw or [])
        self.details = dict(details or {})
        self.usage = usage
        super().__init__(message)


class JudgeCallFailed(EvaluationFailed):
    """The judge call still failed after the runner's retries (timeout, 5xx, network...)."""


class UnparseableVerdict(EvaluationFailed):
    """The judge answered, but its answer is not one JSON verdict following the prompt's schema."""


class RoutingError(LLMBenchError):
    """The router could not choose a model."""


class NoModelsMeetConstraints(RoutingError):
    """Every candidate was filtered out; ``constraint`` names the one that removed the last models."""

    def __init__(self, constraint: str, detail: str) -> None:
        self.constraint = constraint
        super().__init__(f"no model meets the constraints: {constraint} ({detail}); relax it or add models")


class ProfileStoreError(LLMBenchError):
    """The profile store cannot be read or written; it is never overwritten when corrupt."""


class StoreError(LLMBenchError):
    """The result store or response cache cannot be opened, read or written; the message names the store."""


class RunNotFound(StoreError):
    """``resume`` names a run id the result store does not hold."""


class TrackingError(LLMBenchError):
    """The MLflow store cannot be read (or a run in it lacks what llmbench recorded)."""


class TrackedRunNotFound(TrackingError):
    """A run reference (full id, unique prefix, "latest") matches no llmbench run in the MLflow store."""


class SlotWaitTimeout(LLMBenchError):
    """A run waited longer than ``[prefect] slot_wait_seconds`` for a provider's concurrency slots."""


class LocalServerError(LLMBenchError):
    """The local Prefect server llmbench starts could not start or be reached; the message names port or log."""
