"""Every ranked figure of every model for a batch of resamples: what the intervals are read from.

:class:`Layout` stacks the per-item values once (quality, each metric, cost, pairwise wins as columns); then
:func:`figures` turns a chunk of resample counts into means, latency quantiles, overall scores and win totals.
The identity resample (all counts 1) gives the observed figures, equal to the ranking's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from llmbench.stats.bootstrap import QuantilePlan
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


def _distinct_columns(masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct columns of a boolean (items, columns) array, and which of them each column is."""
    first: dict[bytes, int] = {}
    which = np.array([first.setdefault(np.packbits(col).tobytes(), len(first)) for col in masks.T], dtype=np.intp)
    keep = [which.tolist().index(k) for k in range(len(first))]
    return masks[:, keep], which


@dataclass(frozen=True)
class Layout:
    """The per-item values of a table as one (items, columns) matrix, built once per comparison: masked values
    (quality, each metric, cost, pairwise wins), the distinct masks (how many values each resample drew) and the
    latency quantile columns. One product with a chunk of counts then gives every sum a resample needs."""

    table: ItemTable
    n_values: int
    mask_of: np.ndarray  # value column -> its mask column
    n_masks: int
    latency: QuantilePlan
    stacked: dict[str, np.ndarray]  # by dtype name: float64 for exact observed figures, float32 for resamples
    observed_cost: np.ndarray  # (models,): mean cost per successful item, NaN when the price is unknown

    @classmethod
    def of(cls, table: ItemTable) -> Layout:
        wins, played = win_columns(table.quality)
        blocks = [table.quality.T, *(v.T for v in table.metrics.values()), table.cost.T, wins]
        masks = np.concatenate([~np.isnan(b) for b in blocks[:-1]] + [played], axis=1)
        values = np.where(masks, np.concatenate(blocks, axis=1), 0.0)
        distinct, mask_of = _distinct_columns(masks)  # models often share a mask: count each once
        latency = QuantilePlan.of(table.latency, (0.5, 0.95))
        stacked = np.concatenate([values, distinct.astype(np.float64), latency.columns], axis=1)
        priced = ~np.isnan(table.cost)
        total, count = np.where(priced, table.cost, 0.0).sum(axis=1), priced.sum(axis=1)
        observed = np.where(table.cost_known & (count > 0), total / np.maximum(count, 1), np.nan)
        return cls(
            table=table,
            n_values=values.shape[1],
            mask_of=mask_of,
            n_masks=distinct.shape[1],
            latency=latency,
            stacked={"float64": stacked, "float32": stacked.astype(np.float32)},
            observed_cost=observed,
        )


def figures(layout: Layout, counts: np.ndarray, weights: RankingWeights, options: RankingOptions) -> Figures:
    """Figures of each resample in ``counts`` (resamples, items); float32 counts trade exactness of the value sums
    (about 1e-7) for half the time, float64 gives the observed figures exactly."""
    table = layout.table
    m = len(table.models)
    product = (counts @ layout.stacked[counts.dtype.name]).astype(np.float64)
    k, u = layout.n_values, layout.n_masks
    sums, drawn = product[:, :k], product[:, k : k + u][:, layout.mask_of]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(drawn > 0, sums / np.where(drawn > 0, drawn, 1.0), np.nan)
    blocks = [means[:, j * m : (j + 1) * m] for j in range(len(table.metrics) + 2)]
    quality, cost = blocks[0], blocks[-1]
    # A priced model with no success drawn has no cost in that resample, but its price is known: keep the observed
    # cost (its quality there is 0, so its cost efficiency is 0 either way).
    cost = np.where(np.isnan(cost), layout.observed_cost[None, :], cost)
    cost = np.where(table.cost_known[None, :], cost, np.nan)
    quantiles = layout.latency.evaluate(counts, product[:, k + u :])
    ranked = table.ranked()
    overall = np.full_like(quality, np.nan)
    if np.any(ranked):
        scores = score(quality[:, ranked], quantiles[:, ranked, 0], cost[:, ranked], weights, options)
        overall[:, ranked] = scores.overall
    first_win = (len(table.metrics) + 2) * m
    return Figures(
        quality=quality,
        metrics={name: blocks[1 + j] for j, name in enumerate(table.metrics)},
        latency_p50=quantiles[:, :, 0],
        latency_p95=quantiles[:, :, 1],
        cost=cost,
        overall=overall,
        wins=sums[:, first_win:],
        games=drawn[:, first_win:],
    )
