"""The paired bootstrap over items, vectorised: every resample draws items, never single models' answers.

A resample is a vector of counts (how often each item was drawn; a multinomial draw made from seeded uniform
indices), shared by all models so that their comparison stays paired. With counts, a mean over a resample is one
matrix product for every model and metric at once. A quantile is read from cumulative counts of the values sorted
once, and only near where it can fall: in a resample of n items the count below a sorted position strays from its
expectation by about √n/2, so a window of ±(5√n + 10) positions around the quantile holds it (a resample where it
does not, which no test run has met, is computed over all positions). Resamples go in chunks to bound memory
(10,000 items × 250 resamples is 10 MB per array).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["CHUNK", "QuantilePlan", "percentile_interval", "resample_counts", "weighted_quantiles", "weighted_sums"]

#: Resamples per chunk.
CHUNK = 250


def resample_counts(
    n_items: int, resamples: int, rng: np.random.Generator, chunk: int = CHUNK, dtype: type = np.float64
) -> Iterator[np.ndarray]:
    """Chunks of shape (≤ chunk, n_items): how many times each item is drawn in each resample."""
    done = 0
    while done < resamples:
        rows = min(chunk, resamples - done)
        drawn = rng.integers(0, n_items, size=(rows, n_items), dtype=np.int64)
        drawn += (np.arange(rows) * n_items)[:, None]
        yield np.bincount(drawn.ravel(), minlength=rows * n_items).reshape(rows, n_items).astype(dtype)
        done += rows


def weighted_sums(counts: np.ndarray, values: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(resamples, columns) sums of ``values`` (items, columns) over the items drawn where ``mask`` holds, and
    how many such items were drawn: their ratio is the resample's mean."""
    dtype = counts.dtype
    return counts @ np.where(mask, values, 0.0).astype(dtype), counts @ mask.astype(dtype)


@dataclass(frozen=True)
class _Sorted:
    index: np.ndarray  # item positions of the values, sorted by value
    values: np.ndarray
    windows: tuple[tuple[int, int], ...]  # per probability: sorted positions [start, stop) searched


@dataclass(frozen=True)
class QuantilePlan:
    """Quantiles of several value rows (e.g. each model's latencies), prepared once for many resamples.

    Linear interpolation between order statistics, as ``numpy.percentile``'s default, so the identity resample
    (every count 1) gives exactly the ranking's p50 and p95. :attr:`columns` are (items, k) indicator columns whose
    products with the counts (:meth:`evaluate`'s ``prefix``) give each row's drawn total and the count before each
    window; computing them in one matrix product with the other sums reads the counts once.
    """

    probabilities: tuple[float, ...]
    rows: tuple[_Sorted, ...]
    columns: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray, probabilities: Sequence[float]) -> QuantilePlan:
        """``values``: (rows, items), NaN where an item has no value (a failed call has no latency)."""
        n_items = values.shape[1]
        sorted_rows = []
        columns = np.zeros((n_items, values.shape[0] * (1 + len(probabilities))))
        for r, row in enumerate(values):
            keep = np.flatnonzero(~np.isnan(row))
            index = keep[np.argsort(row[keep], kind="stable")]
            width = index.size
            half = math.ceil(5 * math.sqrt(width)) + 10
            windows = []
            base = r * (1 + len(probabilities))
            columns[index, base] = 1.0
            for k, p in enumerate(probabilities):
                centre = round(p * (width - 1))
                start, stop = max(0, centre - half), min(width, centre + half + 2)
                windows.append((start, stop))
                columns[index[:start], base + 1 + k] = 1.0
            sorted_rows.append(_Sorted(index, row[index], tuple(windows)))
        return cls(tuple(probabilities), tuple(sorted_rows), columns)

    def evaluate(self, counts: np.ndarray, prefix: np.ndarray) -> np.ndarray:
        """(resamples, rows, probabilities) quantiles; ``prefix`` is ``counts @ columns``."""
        out = np.full((counts.shape[0], len(self.rows), len(self.probabilities)), np.nan)
        step = 1 + len(self.probabilities)
        whole = counts.astype(np.int32)  # integer cumulative sums are exact and several times faster than float
        for r, row in enumerate(self.rows):
            if row.index.size == 0:
                continue
            total = np.rint(prefix[:, r * step]).astype(np.int32)
            for k, p in enumerate(self.probabilities):
                before = np.rint(prefix[:, r * step + 1 + k]).astype(np.int32)
                out[:, r, k] = _quantile(whole, row, row.windows[k], before, total, p)
        return out


def _order_statistics(cumulative: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Per row, the first position whose cumulative count exceeds the row's rank (0-based order statistic)."""
    return np.sum(cumulative <= ranks[:, None], axis=1)


def _quantile(
    counts: np.ndarray, row: _Sorted, window: tuple[int, int], before: np.ndarray, total: np.ndarray, p: float
) -> np.ndarray:
    last = np.maximum(total - 1, 0)
    position = last * p
    low_rank = np.floor(position).astype(np.int32)
    high_rank = np.minimum(low_rank + 1, last)
    start, stop = window
    cumulative = np.cumsum(counts[:, row.index[start:stop]], axis=1, dtype=np.int32)
    cumulative += before[:, None]
    inside = (before <= low_rank) & (cumulative[:, -1] > high_rank)
    low = start + _order_statistics(cumulative, low_rank)
    high = start + _order_statistics(cumulative, high_rank)
    outside = np.flatnonzero(~inside & (total > 0))
    if outside.size:  # the quantile left its window: count over every position for those resamples
        full = np.cumsum(counts[outside][:, row.index], axis=1, dtype=np.int32)
        low[outside] = _order_statistics(full, low_rank[outside])
        high[outside] = _order_statistics(full, high_rank[outside])
    width = row.values.size
    low_value = row.values[np.clip(low, 0, width - 1)]
    high_value = row.values[np.clip(high, 0, width - 1)]
    return np.where(total > 0, low_value + (position - low_rank) * (high_value - low_value), np.nan)


def weighted_quantiles(counts: np.ndarray, values: np.ndarray, probabilities: tuple[float, ...]) -> np.ndarray:
    """(resamples, len(probabilities)) quantiles of each resample's multiset of ``values`` (NaN: not drawn)."""
    plan = QuantilePlan.of(values[None, :], probabilities)
    return plan.evaluate(counts, counts @ plan.columns.astype(counts.dtype))[:, 0, :]


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval of each column of (resamples, columns), ignoring NaN resamples."""
    tail = (1 - confidence) / 2 * 100
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a column with no drawn value at all stays NaN
        low, high = np.nanpercentile(samples, [tail, 100 - tail], axis=0)
    return low, high
