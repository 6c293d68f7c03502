"""The judge model behind every judge metric of a run, called through :class:`~llmbench.execution.ModelRunner`.

Judge calls get the same machinery as model calls (retries, per-attempt deadline, price) under a concurrency
cap of their own, and each evaluation tallies what its calls cost. The runner (its HTTP client and semaphore)
belongs to the event loop that first uses it, so a client built outside a loop works in whichever loop runs
the evaluation; :meth:`JudgeClient.aclose` releases the current loop's connections.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from llmbench.errors import JudgeCallFailed, UnparseableVerdict
from llmbench.evaluators.judge.prompts import JudgePrompt
from llmbench.evaluators.judge.verdicts import V, parse_verdict
from llmbench.execution import ModelRunner, RetryPolicy
from llmbench.pricing import resolve_price
from llmbench.types import DatasetItem, GenerateRequest, JudgeUsage, ModelConfig, ModelResult

__all__ = ["DEFAULT_JUDGE_CONCURRENCY", "JudgeClient", "UsageTally"]

#: Judge calls in flight at once when the config sets no ``judge_concurrency``.
DEFAULT_JUDGE_CONCURRENCY = 4


@dataclass
class UsageTally:
    """What one evaluation's judge calls cost, filled in as they return."""

    model: str
    price_known: bool
    calls: int = 0
    failed_calls: int = 0
    unparseable: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    def record(self, result: ModelResult) -> None:
        self.calls += 1
        if not result.success:
            self.failed_calls += 1
            return
        if result.usage is not None:
            self.input_tokens += result.usage.input_tokens
            self.output_tokens += result.usage.output_tokens
        if result.cost_usd is None:
            self.price_known = False
        else:
            self.cost_usd += result.cost_usd

    def usage(self, *, failed: bool) -> JudgeUsage:
        """This evaluation's budget line: one evaluation, failed or not."""
        return JudgeUsage(
            model=self.model,
            evaluations=1,
            failed_evaluations=int(failed),
            calls=self.calls,
            failed_calls=self.failed_calls,
            unparseable=self.unparseable,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cost_usd=self.cost_usd if self.price_known else None,
            price_known=self.price_known,
        )


class JudgeClient:
    """Asks one judge model for verdicts: ``concurrency`` calls in flight at most, ``policy`` for each call."""

    def __init__(
        self,
        config: ModelConfig,
        *,
        concurrency: int = DEFAULT_JUDGE_CONCURRENCY,
        policy: RetryPolicy | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("judge concurrency must be at least 1")
        self.config = config
        self.concurrency = concurrency
        self.policy = policy or RetryPolicy()
        self._price_known = resolve_price(config) is not None
        self._runners: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ModelRunner] = weakref.WeakKeyDictionary()

    @property
    def identifier(self) -> str:
        return self.config.identifier

    def tally(self) -> UsageTally:
        return UsageTally(model=self.identifier, price_known=self._price_known)

    def _runner(self) -> ModelRunner:
        loop = asyncio.get_running_loop()
        runner = self._runners.get(loop)
        if runner is None:
            semaphore = asyncio.Semaphore(self.concurrency)
            runner = self._runners[loop] = ModelRunner(self.config, policy=self.policy, semaphore=semaphore)
        return runner

    async def ask(
        self,
        prompt: JudgePrompt[V],
        values: Mapping[str, str],
        item: DatasetItem,
        tally: UsageTally,
        *,
        repeat: int = 1,
        repeats: int = 1,
        check: Callable[[V], str | None] | None = None,
    ) -> V:
        """One verdict; ``check`` returns why a well-formed verdict is still unusable (e.g. a missing claim).

        Raises :class:`JudgeCallFailed` when the call fails after retries and :class:`UnparseableVerdict` when
        the answer is not a usable verdict; both are counted in ``tally``.
        """
        request = GenerateRequest(
            messages=prompt.render(values, repeat=repeat, repeats=repeats), response_schema=prompt.schema
        )
        result = await self._runner().execute(request, item)
        tally.record(result)
        if not result.success:
            raise JudgeCallFailed(
                f"judge {self.identifier} failed after {result.attempts} attempt(s): {result.error}",
                details={"provider_error": result.error_type, "attempts": result.attempts, "prompt": prompt.ref},
            )
        text = result.response or ""
        try:
            verdict = parse_verdict(text, prompt.verdict)
            problem = check(verdict) if check is not None else None
            if problem is not None:
                raise UnparseableVerdict(f"the judge's verdict is unusable: {problem}", raw=[text])
        except UnparseableVerdict as error:
            tally.unparseable += 1
            error.details["prompt"] = prompt.ref
            raise
        return verdict

    async def aclose(self) -> None:
        """Close the connections this loop's runner holds (a later call opens new ones)."""
        loop = asyncio.get_running_loop()
        runner = self._runners.pop(loop, None)
        if runner is not None:
            await runner.aclose()
