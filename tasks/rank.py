"""Rank the models and analyse the comparison."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from llmbench.analysis import analyze
from llmbench.comparison import RankingOutcome, rank_results
from llmbench.types import (
    ComparativeAnalysis,
    DatasetItem,
    ModelRanking,
    ModelResult,
    RankingOptions,
    RankingWeights,
    StatisticsConfig,
    StatisticsReport,
)

__all__ = ["analyze_results", "rank"]


@task(name="rank", cache_policy=NO_CACHE)
def rank(
    results: list[ModelResult], weights: RankingWeights, options: RankingOptions, statistics: StatisticsConfig
) -> RankingOutcome:
    """Rankings with intervals, corrected tests and tie groups."""
    return rank_results(results, weights, options, statistics)


@task(name="analyze", cache_policy=NO_CACHE)
def analyze_results(
    results: list[ModelResult],
    rankings: list[ModelRanking],
    items: list[DatasetItem],
    report: StatisticsReport | None,
    options: RankingOptions,
) -> ComparativeAnalysis:
    return analyze(results, rankings, items, report=report, options=options)
