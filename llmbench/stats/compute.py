"""The statistics of one comparison, from its per-item values: intervals, P(best), corrected pairwise tests, tie
groups, Bradley–Terry ratings, the Pareto frontier and power notes.

Statistics run by default when there are at least ``min_items`` items (10). Below that they say little and can
say nothing after correction: the smallest p-value an exact test on n paired items can reach is 2/2ⁿ, and Holm's
first step asks for alpha / pairs, 0.005 for the 10 pairs of five models, which needs n ≥ 9; with 10 items a
bootstrap still has about 92,000 distinct resamples. Under the threshold, or when switched off, the report is
disabled and ``reason`` says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from llmbench.stats.bootstrap import percentile_interval, resample_counts
from llmbench.stats.bradley_terry import fit_strengths, ratings
from llmbench.stats.figures import Figures, Layout, figures
from llmbench.stats.groups import group_lists, rank_groups
from llmbench.stats.models import (
    Interval,
    ModelStatistics,
    ParetoEntry,
    SignificanceTest,
    StatisticsConfig,
    StatisticsReport,
)
from llmbench.stats.pairwise import Family, metric_tests, overall_tests
from llmbench.stats.pareto import Point, pareto_frontier
from llmbench.stats.table import ItemTable

if TYPE_CHECKING:
    from llmbench.types import RankingOptions, RankingWeights

__all__ = ["compute_statistics", "disabled_reason"]


def disabled_reason(config: StatisticsConfig, n_items: int) -> str | None:
    """Why statistics are not computed for ``n_items`` items, or None when they are."""
    if not config.enabled:
        return "statistics are switched off ([statistics] enabled = false, or --no-stats)"
    if n_items < config.min_items:
        return (
            f"{n_items} item{'s' if n_items != 1 else ''}: statistics need at least {config.min_items} "
            "([statistics] min_items); with fewer, no difference can be shown after correction"
        )
    return None


def _interval(estimate: float, samples: np.ndarray, confidence: float) -> Interval | None:
    if not np.isfinite(estimate):
        return None
    low, high = percentile_interval(samples[:, None], confidence)
    return Interval(estimate=float(estimate), low=float(low[0]), high=float(high[0]))


def _p_best(samples: np.ndarray) -> np.ndarray:
    """Share of resamples where each column is the highest (ties split evenly); NaN columns never win."""
    filled = np.where(np.isnan(samples), -np.inf, samples)
    top = filled.max(axis=1, keepdims=True)
    winners = (filled == top) & np.isfinite(filled)
    share = winners / np.maximum(winners.sum(axis=1, keepdims=True), 1)
    return np.asarray(share.mean(axis=0))


def _bootstrap(
    layout: Layout, config: StatisticsConfig, weights: RankingWeights, options: RankingOptions
) -> tuple[Figures, np.ndarray]:
    """Figures of every resample, and their Bradley–Terry ratings."""
    rng = np.random.default_rng(config.seed)
    counts = resample_counts(layout.table.n_items, config.resamples, rng, dtype=np.float32)
    chunks = [figures(layout, c, weights, options) for c in counts]
    stacked = Figures(
        quality=np.concatenate([f.quality for f in chunks]),
        metrics={k: np.concatenate([f.metrics[k] for f in chunks]) for k in layout.table.metrics},
        latency_p50=np.concatenate([f.latency_p50 for f in chunks]),
        latency_p95=np.concatenate([f.latency_p95 for f in chunks]),
        cost=np.concatenate([f.cost for f in chunks]),
        overall=np.concatenate([f.overall for f in chunks]),
        wins=np.concatenate([f.wins for f in chunks]),
        games=np.concatenate([f.games for f in chunks]),
    )
    return stacked, ratings(fit_strengths(stacked.wins, stacked.games, len(layout.table.models)))


def _groups(order: Sequence[str], tests: list[SignificanceTest], metric: str) -> dict[str, int]:
    better = [
        (t.model_a, t.model_b) if (t.difference or 0) > 0 else (t.model_b, t.model_a)
        for t in tests
        if t.metric == metric and t.significant
    ]
    return rank_groups(order, better)


def _pareto(table: ItemTable, observed: Figures) -> list[ParetoEntry]:
    def known(value: float) -> float | None:
        return float(value) if np.isfinite(value) else None

    points = [
        Point(
            model=m,
            quality=float(observed.quality[0, j]),
            cost=known(observed.cost[0, j]),
            latency=known(observed.latency_p50[0, j]),
        )
        for j, m in enumerate(table.models)
        if table.ranked()[j]
    ]
    return pareto_frontier(points)


def compute_statistics(
    table: ItemTable,
    order: Sequence[str],
    *,
    weights: RankingWeights,
    options: RankingOptions,
    config: StatisticsConfig,
) -> StatisticsReport:
    """The statistics report of ``table``; ``order`` is the ranking's order of its models (best first).

    The Pareto frontier needs no sampling and is there even when the rest is off.
    """
    base = StatisticsReport(
        enabled=False,
        n_items=table.n_items,
        alpha=config.alpha,
        correction=config.correction,
        resamples=config.resamples,
        seed=config.seed,
        power=config.power,
    )
    table = table.select(order)
    models = table.models
    layout = Layout.of(table)
    observed = figures(layout, np.ones((1, table.n_items)), weights, options)
    base = base.model_copy(update={"pareto": _pareto(table, observed)})  # needs no sampling: always there
    reason = disabled_reason(config, table.n_items)
    if reason is not None:
        return base.model_copy(update={"reason": reason})
    samples, sampled_ratings = _bootstrap(layout, config, weights, options)
    family = Family(config.alpha, config.correction, config.power)
    failed = table.present & ~table.success
    tests = metric_tests("quality", table.quality, failed, models, family)
    for name, values in table.metrics.items():
        tests += metric_tests(name, values, failed, models, family)
    tests += overall_tests(samples.overall, observed.overall[0], models, table.n_items, family)
    groups = _tie_groups(table, observed, tests)
    observed_ratings = ratings(fit_strengths(observed.wins, observed.games, len(models)))[0]
    per_model = [
        _model_statistics(table, j, observed, samples, (observed_ratings, sampled_ratings), groups, 1 - config.alpha)
        for j in range(len(models))
    ]
    by_quality = sorted(models, key=lambda m: -observed.quality[0, models.index(m)])
    lists = {"overall": group_lists(models, groups["overall"]), "quality": group_lists(by_quality, groups["quality"])}
    update = {"enabled": True, "models": per_model, "tests": tests, "groups": lists}
    return base.model_copy(update=update)


def _tie_groups(table: ItemTable, observed: Figures, tests: list[SignificanceTest]) -> dict[str, dict[str, int]]:
    """Group of each model on the overall score (none without a score; models whose every call failed come after
    every model that answered) and on quality."""
    models = table.models
    scored = [m for j, m in enumerate(models) if np.isfinite(observed.overall[0, j])]
    overall = _groups(scored, tests, "overall")
    answered = int(np.sum(table.ranked()))
    overall |= {m: answered + 1 for j, m in enumerate(models) if not table.ranked()[j]}
    by_quality = sorted(models, key=lambda m: -observed.quality[0, models.index(m)])
    return {"overall": overall, "quality": _groups(by_quality, tests, "quality")}


def _model_statistics(
    table: ItemTable,
    j: int,
    observed: Figures,
    samples: Figures,
    rating: tuple[np.ndarray, np.ndarray],
    groups: dict[str, dict[str, int]],
    confidence: float,
) -> ModelStatistics:
    def interval(obs: np.ndarray, sampled: np.ndarray) -> Interval | None:
        return _interval(obs[0, j], sampled[:, j], confidence)

    model = table.models[j]
    quality = interval(observed.quality, samples.quality)
    assert quality is not None  # every model has rows, so a quality
    scored = bool(np.isfinite(observed.overall[0, j])) or not table.ranked()[j]
    return ModelStatistics(
        model=model,
        n_items=int(table.present[j].sum()),
        n_failed=int((table.present[j] & ~table.success[j]).sum()),
        quality=quality,
        metrics={k: iv for k in table.metrics if (iv := interval(observed.metrics[k], samples.metrics[k]))},
        latency_p50_ms=interval(observed.latency_p50, samples.latency_p50),
        latency_p95_ms=interval(observed.latency_p95, samples.latency_p95),
        cost_per_item_usd=interval(observed.cost, samples.cost),
        overall=interval(observed.overall, samples.overall),
        p_best=float(_p_best(samples.overall)[j]) if scored else None,
        p_best_quality=float(_p_best(samples.quality)[j]),
        rating=_interval(rating[0][j], rating[1][:, j], confidence),
        rank_group=groups["overall"].get(model),
        quality_group=groups["quality"].get(model),
    )
