"""What the statistics produce and how they are configured: pydantic models that travel in ComparisonResult.

They live here rather than in :mod:`llmbench.types` so the statistics stay one concept in one package;
``llmbench.types`` re-exports them, which is why nothing in :mod:`llmbench.stats` imports ``llmbench.types`` at
run time (only for type checking).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Interval",
    "ModelStatistics",
    "ParetoEntry",
    "SignificanceTest",
    "StatisticsConfig",
    "StatisticsReport",
]


class StatisticsConfig(BaseModel):
    """``[statistics]``: intervals, corrected pairwise tests and tie groups (see :mod:`llmbench.stats`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    alpha: float = Field(default=0.05, gt=0, lt=0.5, description="Family-wise level; intervals are 1 − alpha")
    correction: Literal["holm", "bh"] = "holm"
    resamples: int = Field(default=2000, ge=200, le=100_000, description="Bootstrap resamples over items")
    seed: int = 0
    min_items: int = Field(default=10, ge=2, description="Fewer items than this: statistics off, with the reason")
    power: float = Field(default=0.8, gt=0, lt=1, description="Power the items-needed notes aim for")


class Interval(BaseModel):
    """A point estimate with its bootstrap confidence interval (level 1 − alpha of [statistics])."""

    estimate: float
    low: float
    high: float


class SignificanceTest(BaseModel):
    """One paired comparison of two models on one metric; ``significant`` is decided on ``p_adjusted``."""

    metric: str
    model_a: str
    model_b: str
    test: str = Field(description="paired-t | mcnemar-exact | sign-exact | bootstrap | none (identical)")
    statistic: float | None
    p_value: float
    significant: bool
    n: int = Field(description="Paired items; failed calls count as 0, as in the ranking")
    p_adjusted: float | None = None
    correction: str | None = None
    difference: float | None = Field(default=None, description="a − b, with its interval below")
    ci_low: float | None = None
    ci_high: float | None = None
    effect_size: float | None = Field(default=None, description="Cohen's d_z: mean difference / SD of differences")
    failed_a: int = 0
    failed_b: int = 0
    wilcoxon_statistic: float | None = None
    wilcoxon_p: float | None = None
    wilcoxon_method: str | None = None
    items_needed: int | None = Field(default=None, description="When inconclusive: items to detect this difference")
    note: str | None = None


class ModelStatistics(BaseModel):
    """One model's intervals, probability of being best and Bradley–Terry rating."""

    model: str
    n_items: int
    n_failed: int
    quality: Interval
    metrics: dict[str, Interval] = Field(default_factory=dict)
    latency_p50_ms: Interval | None = None
    latency_p95_ms: Interval | None = None
    cost_per_item_usd: Interval | None = None
    overall: Interval | None = None
    p_best: float | None = None
    p_best_quality: float | None = None
    rating: Interval | None = Field(default=None, description="Bradley–Terry, Arena scale (mean 1000)")
    rank_group: int | None = None
    quality_group: int | None = None


class ParetoEntry(BaseModel):
    """Whether a model is on the quality/cost/latency frontier, and which models dominate it."""

    model: str
    comparable: bool = Field(description="False when its cost or latency is unknown: not placed")
    dominated_by: list[str] = Field(default_factory=list)


class StatisticsReport(BaseModel):
    """Everything :func:`llmbench.stats.compute_statistics` found; ``reason`` says why it is off."""

    enabled: bool
    reason: str | None = None
    n_items: int = 0
    alpha: float = 0.05
    correction: str = "holm"
    resamples: int = 0
    seed: int = 0
    power: float = 0.8
    models: list[ModelStatistics] = Field(default_factory=list)
    tests: list[SignificanceTest] = Field(default_factory=list)
    groups: dict[str, list[list[str]]] = Field(default_factory=dict, description="overall/quality: tie groups")
    pareto: list[ParetoEntry] = Field(default_factory=list)
