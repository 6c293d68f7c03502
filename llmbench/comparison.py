"""Comparing models: run them concurrently on the same items, score the answers, rank, analyse.

Each model runs as its own coroutine under a shared cap on calls in flight. A model that fails or times out
stays in the result as failed rows while the others complete; when the overall deadline passes, what finished
is kept and the result is marked incomplete (the system llmbench replaces threw everything away).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from llmbench.analysis import analyze
from llmbench.errors import AllModelsFailed, ComparisonTimeout, NoModels
from llmbench.evaluators import evaluate_results, make_scorer
from llmbench.execution import ModelRunner, RetryPolicy
from llmbench.progress import publish
from llmbench.ranking import RankingEngine
from llmbench.types import (
    ComparativeAnalysis,
    ComparisonConfig,
    ComparisonResult,
    DatasetItem,
    ModelConfig,
    ModelRanking,
    ModelResult,
    RankingWeights,
    Recommendation,
)

if TYPE_CHECKING:
    from llmbench.store import RunJournal, StoreSettings

__all__ = [
    "ComparisonEngine",
    "ExecutionOutcome",
    "RankingOutcome",
    "assemble_result",
    "check_outcome",
    "execute_models",
    "rank_results",
    "single_item",
]


class ExecutionOutcome(BaseModel):
    """Every row of every model (failed ones included) and the models cut off by the deadline."""

    results: list[ModelResult]
    incomplete_models: list[str] = Field(default_factory=list)
    duration_ms: float = 0.0


def single_item(prompt: str, context: str | None = None, reference: str | None = None) -> DatasetItem:
    return DatasetItem(id="prompt", prompt=prompt, context=context, reference=reference)


async def execute_models(
    models: Sequence[ModelConfig],
    items: Sequence[DatasetItem],
    *,
    policy: RetryPolicy,
    concurrency: int,
    timeout_seconds: float,
    metrics: list[str] | None = None,
    journal: RunJournal | None = None,
) -> ExecutionOutcome:
    """Run every model on every item; never raises for a failed call, only for an unusable setup.

    ``journal`` persists each outcome as it completes and answers from the run's store or the cache first.
    """
    if not models:
        raise NoModels()
    semaphore = asyncio.Semaphore(concurrency)
    scorer = make_scorer(metrics) if metrics else None
    runners = [
        ModelRunner(m, policy=policy, semaphore=semaphore, on_result=publish, scorer=scorer, journal=journal)
        for m in models
    ]
    started = time.perf_counter()
    tasks = [asyncio.create_task(r.run(items)) for r in runners]
    done, pending = await asyncio.wait(tasks, timeout=timeout_seconds)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        task.result()  # surfaces a bug rather than hiding it; provider errors never get here
    missing = f"not finished before the overall timeout of {timeout_seconds:g} s"
    results = [row for runner in runners for row in runner.collect(items, missing)]
    incomplete = [r.config.identifier for r, t in zip(runners, tasks, strict=True) if t in pending]
    return ExecutionOutcome(
        results=results, incomplete_models=incomplete, duration_ms=(time.perf_counter() - started) * 1000
    )


def check_outcome(outcome: ExecutionOutcome, timeout_seconds: float) -> None:
    """Raise when nothing usable came back: nothing finished in time, or every call failed."""
    if any(r.success for r in outcome.results):
        return
    if outcome.incomplete_models and all(r.error_type == "ComparisonTimeout" for r in outcome.results):
        raise ComparisonTimeout(
            f"no model answered within the overall timeout of {timeout_seconds:g} s; "
            "raise comparison_timeout_seconds or check the endpoints"
        )
    errors: dict[str, str] = {}
    for row in outcome.results:
        errors.setdefault(row.model, row.error or "failed")
    raise AllModelsFailed(errors)


class RankingOutcome(BaseModel):
    """Rankings with the recommendations and pairwise matrix derived from them."""

    rankings: list[ModelRanking]
    recommendations: Recommendation
    pairwise_matrix: dict[str, dict[str, float]]


def rank_results(results: list[ModelResult], weights: RankingWeights) -> RankingOutcome:
    engine = RankingEngine(weights)
    rankings = engine.rank(results)
    return RankingOutcome(
        rankings=rankings, recommendations=engine.recommend(rankings), pairwise_matrix=engine.pairwise_matrix(rankings)
    )


def assemble_result(
    *,
    name: str,
    models: Sequence[str],
    items: Sequence[DatasetItem],
    results: list[ModelResult],
    ranking: RankingOutcome,
    analysis: ComparativeAnalysis,
    weights: RankingWeights,
    metrics: list[str],
    incomplete_models: Sequence[str] = (),
    duration_ms: float = 0.0,
    run_id: str | None = None,
) -> ComparisonResult:
    """Put the pieces of a comparison into the ComparisonResult users read."""
    return ComparisonResult(
        name=name,
        models=list(models),
        items=list(items),
        results=results,
        rankings=ranking.rankings,
        winner=ranking.rankings[0].model if ranking.rankings else None,
        recommendations=ranking.recommendations,
        analysis=analysis,
        pairwise_matrix=ranking.pairwise_matrix,
        complete=not incomplete_models,
        incomplete_models=list(incomplete_models),
        duration_ms=duration_ms,
        weights=weights,
        metrics=metrics,
        run_id=run_id,
    )


class ComparisonEngine:
    """The whole comparison without Prefect: execute, evaluate, rank, analyse.

    With ``store`` (:class:`~llmbench.store.StoreSettings`) each outcome is persisted in a run of the result
    store as it completes, an unfinished run of the same benchmark is resumed, and cached answers are reused.
    """

    def __init__(
        self, config: ComparisonConfig, policy: RetryPolicy | None = None, store: StoreSettings | None = None
    ) -> None:
        self.config = config
        self.policy = policy or RetryPolicy(timeout_seconds=config.model_timeout_seconds)
        self.store = store

    async def compare(self, prompt: str, context: str | None = None, reference: str | None = None) -> ComparisonResult:
        return await self.run([single_item(prompt, context, reference)], name="comparison")

    async def run(self, items: Sequence[DatasetItem], name: str = "benchmark") -> ComparisonResult:
        if self.store is None or not self.store.active:
            return await self._run(items, name, None, None)
        from llmbench.store import recording, run_spec

        spec = run_spec(name, items, self.config.models, self.config.metrics)
        async with recording(self.store, spec) as record:
            run_id = record.run_id if record is not None else None
            journal = await asyncio.to_thread(self.store.journal, run_id)
            return await self._run(items, name, journal, run_id)

    async def _run(
        self, items: Sequence[DatasetItem], name: str, journal: RunJournal | None, run_id: str | None
    ) -> ComparisonResult:
        outcome = await execute_models(
            self.config.models,
            items,
            policy=self.policy,
            concurrency=self.config.concurrency_limit,
            timeout_seconds=self.config.timeout_seconds,
            metrics=self.config.metrics,
            journal=journal,
        )
        check_outcome(outcome, self.config.timeout_seconds)
        scored = await evaluate_results(outcome.results, {i.id: i for i in items}, self.config.metrics)
        ranking = rank_results(scored, self.config.weights)
        return assemble_result(
            name=name,
            models=[m.identifier for m in self.config.models],
            items=items,
            results=scored,
            ranking=ranking,
            analysis=analyze(scored, ranking.rankings, list(items), statistical_tests=self.config.statistical_tests),
            weights=self.config.weights,
            metrics=self.config.metrics,
            incomplete_models=outcome.incomplete_models,
            duration_ms=outcome.duration_ms,
            run_id=run_id,
        )
