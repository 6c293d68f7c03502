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
from llmbench.evaluators import Evaluator, evaluate_results, make_scorer
from llmbench.execution import ModelRunner, RetryPolicy
from llmbench.progress import publish
from llmbench.ranking import RankingEngine, apply_statistics, recommend
from llmbench.scheduling import CallGate
from llmbench.types import (
    ComparativeAnalysis,
    ComparisonConfig,
    ComparisonResult,
    DatasetItem,
    JudgeSummary,
    ModelConfig,
    ModelRanking,
    ModelResult,
    RankingOptions,
    RankingWeights,
    Recommendation,
    StatisticsConfig,
    StatisticsReport,
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
    metrics: Sequence[str | Evaluator] | None = None,
    journal: RunJournal | None = None,
) -> ExecutionOutcome:
    """Run every model on every item; never raises for a failed call, only for an unusable setup.

    ``journal`` persists each outcome as it completes and answers from the run's store or the cache first.
    """
    if not models:
        raise NoModels()
    gate = CallGate(concurrency, expected_models=len(models))  # fair order of calls across models
    scorer = make_scorer(metrics) if metrics else None
    runners = [
        ModelRunner(m, policy=policy, semaphore=gate, on_result=publish, scorer=scorer, journal=journal) for m in models
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
    """Rankings with their statistics and the recommendations and pairwise matrix derived from them."""

    rankings: list[ModelRanking]
    recommendations: Recommendation
    pairwise_matrix: dict[str, dict[str, float]]
    statistics: StatisticsReport | None = None


def rank_results(
    results: list[ModelResult],
    weights: RankingWeights,
    options: RankingOptions | None = None,
    statistics: StatisticsConfig | None = None,
) -> RankingOutcome:
    """Rank, then group the rankings by what the statistics support (see :mod:`llmbench.stats`)."""
    engine = RankingEngine(weights, options)
    rankings = engine.rank(results)
    report = engine.statistics(results, rankings, statistics or StatisticsConfig())
    rankings = apply_statistics(rankings, report)
    return RankingOutcome(
        rankings=rankings,
        recommendations=recommend(rankings),
        pairwise_matrix=engine.pairwise_matrix(rankings),
        statistics=report,
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
    options: RankingOptions | None = None,
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
        ranking_options=options or RankingOptions(),
        metrics=metrics,
        judge_usage=_judge_summary(results),
        statistics=ranking.statistics,
        run_id=run_id,
    )


def _judge_summary(results: list[ModelResult]) -> JudgeSummary | None:
    """The judge's budget line; the judge package (~25 ms to import) is loaded only when a row was judged."""
    if not any(r.judge_usage for r in results):
        return None
    from llmbench.evaluators.judge.summary import summarize_judging

    return summarize_judging(results)


class ComparisonEngine:
    """The whole comparison without Prefect: execute, evaluate, rank, analyse.

    ``evaluators``, when given, score instead of the registry's evaluators for ``config.metrics`` (judge
    evaluators come from :func:`llmbench.evaluators.judge.build_evaluators`; the caller closes them). With
    ``store`` (:class:`~llmbench.store.StoreSettings`) each outcome is persisted in a run of the result store as it
    completes, an unfinished run of the same benchmark is resumed, and cached answers are reused.
    """

    def __init__(
        self,
        config: ComparisonConfig,
        policy: RetryPolicy | None = None,
        evaluators: Sequence[Evaluator] | None = None,
        store: StoreSettings | None = None,
    ) -> None:
        self.config = config
        self.policy = policy or RetryPolicy(timeout_seconds=config.model_timeout_seconds)
        self.evaluators: Sequence[str | Evaluator] = evaluators if evaluators is not None else config.metrics
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
            metrics=self.evaluators,
            journal=journal,
        )
        check_outcome(outcome, self.config.timeout_seconds)
        scored = await evaluate_results(outcome.results, {i.id: i for i in items}, self.evaluators)
        config = self.config
        ranking = rank_results(scored, config.weights, config.ranking, config.statistics)
        analysis = analyze(scored, ranking.rankings, list(items), report=ranking.statistics, options=config.ranking)
        return assemble_result(
            name=name,
            models=[m.identifier for m in self.config.models],
            items=items,
            results=scored,
            ranking=ranking,
            analysis=analysis,
            weights=config.weights,
            metrics=config.metrics,
            incomplete_models=outcome.incomplete_models,
            duration_ms=outcome.duration_ms,
            options=config.ranking,
            run_id=run_id,
        )
