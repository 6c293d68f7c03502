"""Rank the models and analyse the comparison."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from llmbench.analysis import analyze
from llmbench.comparison import RankingOutcome, rank_results
from llmbench.types import ComparativeAnalysis, DatasetItem, ModelRanking, ModelResult, RankingWeights

__all__ = ["analyze_results", "rank"]


@task(name="rank", cache_policy=NO_CACHE)
def rank(results: list[ModelResult], weights: RankingWeights) -> RankingOutcome:
    return rank_results(results, weights)


@task(name="analyze", cache_policy=NO_CACHE)
def analyze_results(
    results: list[ModelResult], rankings: list[ModelRanking], items: list[DatasetItem], statistical_tests: bool
) -> ComparativeAnalysis:
    return analyze(results, rankings, items, statistical_tests=statistical_tests)
