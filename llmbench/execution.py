"""Calling one model on many items: the machinery every provider shares.

Concurrency (a semaphore), the per-call timeout, retries (tenacity: only retryable errors, capped exponential
backoff with jitter, ``Retry-After`` honoured, a budget of attempts and of total time) and cost live here once.
A call that still fails becomes a failed :class:`ModelResult` carrying its error: it is counted, never dropped.
An answer with no content is such a failure (:class:`~llmbench.errors.EmptyResponse`); one cut by max_tokens is
kept and flagged ``truncated``. With a :class:`~llmbench.store.RunJournal`, a pair already done in the run or
an answer in the response cache is returned without a call, and every outcome is persisted as it completes.
Judge evaluators call :meth:`ModelRunner.execute` with requests of their own, so they get all of this too
(their answers are cached; only the models' pairs are recorded in the run).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, stop_after_delay
from tenacity.wait import wait_random_exponential

from llmbench.errors import EmptyResponse, ProviderError, ProviderTimeout, RateLimitError, StoreError
from llmbench.pricing import cost_usd, resolve_price
from llmbench.providers import Provider, create_provider
from llmbench.scheduling import CallGate, hold
from llmbench.types import ChatMessage, Completion, DatasetItem, GenerateRequest, ModelConfig, ModelResult

if TYPE_CHECKING:
    from llmbench.store.journal import Recalled, RunJournal

__all__ = ["DEFAULT_SYSTEM_PROMPT", "ModelRunner", "RetryPolicy", "build_request"]

DEFAULT_SYSTEM_PROMPT = "Answer the question accurately and concisely. When context is given, rely on it."


class RetryPolicy(BaseModel):
    """How hard to try one call before recording it as failed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_attempts: int = Field(default=3, ge=1, le=20)
    max_total_seconds: float = Field(default=120, gt=0, description="Budget for all attempts of one call")
    timeout_seconds: float = Field(default=60, gt=0, description="Deadline of one attempt")
    backoff_initial_seconds: float = Field(default=0.5, ge=0)
    backoff_max_seconds: float = Field(default=20, ge=0)


def build_request(item: DatasetItem, system_prompt: str = DEFAULT_SYSTEM_PROMPT) -> GenerateRequest:
    """The chat messages every provider sends for ``item``: a system prompt, then prompt and context."""
    user = item.prompt if not item.context else f"{item.prompt}\n\nContext:\n{item.context}"
    return GenerateRequest(
        messages=[ChatMessage(role="system", content=system_prompt), ChatMessage(role="user", content=user)],
        item=item,
    )


def _is_retryable(error: BaseException) -> bool:
    return isinstance(error, ProviderError) and error.retryable


class _WaitRetryAfterOrBackoff:
    """Wait what the server asked for (Retry-After) when it did, else capped exponential backoff with jitter."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._backoff = wait_random_exponential(
            multiplier=policy.backoff_initial_seconds, max=policy.backoff_max_seconds
        )
        self._budget = policy.max_total_seconds

    def __call__(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            remaining = self._budget - (state.seconds_since_start or 0.0)
            return max(0.0, min(error.retry_after, remaining))
        return float(self._backoff(state))


async def _all_or_cancel(calls: Sequence[Awaitable[ModelResult]]) -> None:
    """Await every call; if one raises (a bug: provider errors become rows), cancel the others before the
    provider is closed under them, so no call in flight is recorded as a bogus network failure."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


class ModelRunner:
    """Runs one model over items, recording each outcome.

    ``semaphore`` caps this model's calls in flight; each of ``shared`` is a cap shared with other models (the
    run's overall limit, the provider's slots). A cap may be a :class:`~llmbench.scheduling.CallGate`, which
    grants the calls of all models in one fair order. ``scorer``, when given, scores each answer as it arrives.
    ``journal``, when given, answers from the run's store or the cache before calling, and records after.
    """

    def __init__(
        self,
        config: ModelConfig,
        *,
        policy: RetryPolicy | None = None,
        semaphore: asyncio.Semaphore | CallGate | None = None,
        shared: Sequence[asyncio.Semaphore | CallGate] = (),
        on_result: Callable[[ModelResult], None] | None = None,
        scorer: Callable[[ModelResult, DatasetItem], Awaitable[ModelResult]] | None = None,
        provider: Provider | None = None,
        journal: RunJournal | None = None,
    ) -> None:
        self.config = config
        policy = policy or RetryPolicy()
        if config.timeout_seconds is not None:  # a model's own timeout wins over the run's default
            policy = policy.model_copy(update={"timeout_seconds": config.timeout_seconds})
        self.policy = policy
        self._semaphore = semaphore or asyncio.Semaphore(10)
        self._shared = tuple(shared)
        self._on_result = on_result
        self._scorer = scorer
        self._provider = provider or create_provider(config)
        self._price = resolve_price(config)
        self._journal = journal if journal is not None and journal.active else None
        self._keys: dict[str, str] = {}  # item id -> request digest, computed once per item
        #: Outcomes by item id, filled as calls finish, so a cancelled run keeps what it finished.
        self.finished: dict[str, ModelResult] = {}

    @property
    def simulated(self) -> bool:
        return self._provider.simulated

    async def run(self, items: Sequence[DatasetItem]) -> list[ModelResult]:
        """Results in the order of ``items``."""
        for cap in (self._semaphore, *self._shared):
            if isinstance(cap, CallGate):
                cap.register(self.config.identifier)
        try:
            if self._journal is not None:
                for item in items:
                    self._keys[item.id] = self.request_key(build_request(item))
                await self._journal.prefetch(self.config.identifier, {i.id: self._keys[i.id] for i in items})
            await _all_or_cancel([self.run_one(item, index) for index, item in enumerate(items)])
        except BaseException:
            await self._close(quiet=True)  # a store error must not hide why the run stopped
            raise
        await self._close()
        return [self.finished[item.id] for item in items]

    async def aclose(self) -> None:
        """Close the provider and commit what finished (``run`` does it itself; callers of ``execute`` call this)."""
        await self._close()

    async def _close(self, *, quiet: bool = False) -> None:
        """Close the provider and commit what finished (also when cancelled, before the caller sees it end)."""
        await self._provider.aclose()
        if self._journal is None:
            return
        try:
            self._journal.flush()
        except StoreError as error:
            if not quiet:
                raise
            logging.getLogger(__name__).error("%s", error)

    def request_key(self, request: GenerateRequest) -> str:
        """The digest identifying this model's call with ``request`` (the cache and pair key)."""
        from llmbench.store.keys import request_hash

        return request_hash(self.config, request, simulated=self.simulated)

    async def execute(self, request: GenerateRequest, item: DatasetItem, index: int = 0) -> ModelResult:
        """One prepared request under this runner's caps, deadline, retries and price, recorded against ``item``.

        Judge calls go through here: the same machinery as model calls, with requests the judge builds itself
        (answered from the cache when the journal has one). ``index`` is the item's position in the run, which
        orders the call when a cap is a gate.
        """
        result, _, _ = await self._serve(request, item, index)
        return result

    async def _serve(
        self, request: GenerateRequest, item: DatasetItem, index: int, key: str | None = None
    ) -> tuple[ModelResult, str, Recalled | None]:
        """The row for ``request``, its key (empty without a journal) and what the journal recalled, if anything."""
        if self._journal is not None:
            key = key or self.request_key(request)
            recalled = await self._journal.recall(self.config.identifier, item, key)
            if recalled is not None:
                return recalled.result, key, recalled
        async with AsyncExitStack() as stack:
            for cap in (self._semaphore, *self._shared):
                await stack.enter_async_context(hold(cap, self.config.identifier, index))
            result = await self._call(item, request)
        if self._journal is not None:
            self._journal.answered(self.config.provider, key or "", result)
        return result, key or "", None

    async def run_one(self, item: DatasetItem, index: int = 0) -> ModelResult:
        result, key, recalled = await self._serve(build_request(item), item, index, self._keys.get(item.id))
        # Kept before scoring: a deadline that cuts a slow scorer (a judge call) must not lose the answer.
        self.finished[item.id] = result
        if self._scorer is not None:  # scored while other calls are still in flight
            result = await self._scorer(result, item)
            self.finished[item.id] = result
        if self._journal is not None and (recalled is None or recalled.source == "cache"):
            self._journal.record(key, result)
        if self._on_result is not None:
            self._on_result(result)
        return result

    def collect(self, items: Sequence[DatasetItem], missing_error: str) -> list[ModelResult]:
        """Finished results plus a failed row for every item that never finished (e.g. on overall timeout)."""
        return [
            self.finished.get(item.id) or self.failure(item, missing_error, "ComparisonTimeout", attempts=0)
            for item in items
        ]

    def failure(self, item: DatasetItem, error: str, error_type: str, attempts: int = 1) -> ModelResult:
        return ModelResult(
            model=self.config.identifier,
            item_id=item.id,
            success=False,
            error=error,
            error_type=error_type,
            attempts=attempts,
            price_known=self._price is not None,
            simulated=self.simulated,
            task_type=item.task_type,
        )

    async def _call(self, item: DatasetItem, request: GenerateRequest) -> ModelResult:
        attempts = 0
        retrying = AsyncRetrying(
            retry=retry_if_exception(_is_retryable),
            stop=stop_after_attempt(self.policy.max_attempts) | stop_after_delay(self.policy.max_total_seconds),
            wait=_WaitRetryAfterOrBackoff(self.policy),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    completion = await self._attempt(request)
        except ProviderError as error:
            return self.failure(item, str(error), type(error).__name__, attempts)
        return self._success(item, completion, attempts)

    async def _attempt(self, request: GenerateRequest) -> Completion:
        """One try under the per-attempt deadline; latency and TTFT are measured by the provider itself.

        An answer with no content is an :class:`EmptyResponse`, for every provider alike: a well-formed reply
        that says nothing must never pass for an answer (it would be scored and could be recommended).
        """
        try:
            async with asyncio.timeout(self.policy.timeout_seconds):
                completion = await self._provider.generate(request)
        except TimeoutError as error:
            raise ProviderTimeout(
                f"no answer within {self.policy.timeout_seconds:g} s", model=self.config.identifier
            ) from error
        if not completion.text.strip():
            raise EmptyResponse(
                f"empty answer (finish reason {completion.finish_reason or 'not given'}, "
                f"{completion.usage.output_tokens} output tokens)",
                model=self.config.identifier,
                finish_reason=completion.finish_reason,
            )
        return completion

    def _success(self, item: DatasetItem, completion: Completion, attempts: int) -> ModelResult:
        return ModelResult(
            model=self.config.identifier,
            item_id=item.id,
            success=True,
            response=completion.text,
            attempts=attempts,
            latency_ms=completion.latency_ms,
            ttft_ms=completion.ttft_ms,
            usage=completion.usage,
            cost_usd=cost_usd(completion.usage, self._price),
            price_known=self._price is not None,
            simulated=completion.simulated,
            task_type=item.task_type,
            truncated=completion.truncated,
        )
