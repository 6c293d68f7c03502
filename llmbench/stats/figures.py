"""Every ranked figure of every model for a batch of resamples: what the intervals are read from.

:class:`Layout` stacks the per-item values once (quality, each metric, cost, pairwise wins as columns); then
:func:`figures` turns a chunk of resample counts into means, latency quantiles, overall scores and win totals.
The identity resample (all counts 1) gives the observed figures, equal to the ranking's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from llmbench.stats.bootstrap import weighted_quantiles, weighted_sums
from llmbench.stats.bradley_terry import win_columns
from llmbench.stats.score import score
from llmbench.stats.table import ItemTable

if TYPE_CHECKING:
    from llmbench.types import RankingOptions, RankingWeights

__all__ = ["Figures", "Layout", "figures"]


@dataclass(frozen=True)
class Figures:
    """Arrays of shape (resamples, models) except ``wins``/``games`` (resamples, pairs)."""

    quality: np.ndarray
    metrics: dict[str, np.ndarray]
    latency_p50: np.ndarray
    latency_p95: np.ndarray
    cost: np.ndarray
    overall: np.ndarray
    wins: np.ndarray
    games: np.ndarray


@dataclass(frozen=True)
class Layout:
    """The per-item values of a table as (items, columns) blocks, built once per comparison."""

    table: ItemTable
    values: np.ndarray
    mask: np.ndarray
    observed_cost: np.ndarray  # (models,): mean cost per successful item, NaN when the price is unknown

    @classmethod
    def of(cls, table: ItemTable) -> Layout:
        wins, played = win_columns(table.quality)
        blocks = [table.quality.T, *(v.T for v in table.metrics.values()), table.cost.T, wins]
        masks = [~np.isnan(b) for b in blocks[:-1]] + [played]
        priced = ~np.isnan(table.cost)
        total, count = np.where(priced, table.cost, 0.0).sum(axis=1), priced.sum(axis=1)
        observed = np.where(table.cost_known & (count > 0), total / np.maximum(count, 1), np.nan)
        return cls(table, np.concatenate(blocks, axis=1), np.concatenate(masks, axis=1), observed)


def figures(layout: Layout, counts: np.ndarray, weights: RankingWeights, options: RankingOptions) -> Figures:
    """Figures of each resample in ``counts`` (resamples, items)."""
    table = layout.table
    m = len(table.models)
    sums, drawn = weighted_sums(counts, layout.values, layout.mask)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(drawn > 0, sums / np.where(drawn > 0, drawn, 1.0), np.nan)
    blocks = [means[:, k * m : (k + 1) * m] for k in range(len(table.metrics) + 2)]
    quality, cost = blocks[0], blocks[-1]
    # A priced model with no success drawn has no cost in that resample, but its price is known: keep the observed
    # cost (its quality there is 0, so its cost efficiency is 0 either way).
    cost = np.where(np.isnan(cost), layout.observed_cost[None, :], cost)
    cost = np.where(table.cost_known[None, :], cost, np.nan)
    quantiles = np.stack([weighted_quantiles(counts, table.latency[j], (0.5, 0.95)) for j in range(m)], axis=1)
    ranked = table.ranked()
    overall = np.full_like(quality, np.nan)
    if np.any(ranked):
        scores = score(quality[:, ranked], quantiles[:, ranked, 0], cost[:, ranked], weights, options)
        overall[:, ranked] = scores.overall
    return Figures(
        quality=quality,
        metrics={name: blocks[1 + k] for k, name in enumerate(table.metrics)},
        latency_p50=quantiles[:, :, 0],
        latency_p95=quantiles[:, :, 1],
        cost=cost,
        overall=overall,
        wins=sums[:, (len(table.metrics) + 2) * m :],
        games=drawn[:, (len(table.metrics) + 2) * m :],
    )
