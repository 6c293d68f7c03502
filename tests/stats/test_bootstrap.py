"""The vectorised bootstrap: counts are seeded multinomial draws, quantiles match numpy on the drawn multiset."""

from __future__ import annotations

import numpy as np
import pytest

from llmbench.stats.bootstrap import percentile_interval, resample_counts, weighted_quantiles, weighted_sums


def test_counts_are_seeded_draws_of_every_item() -> None:
    first = np.concatenate(list(resample_counts(7, 600, np.random.default_rng(3), chunk=250)))
    again = np.concatenate(list(resample_counts(7, 600, np.random.default_rng(3), chunk=100)))
    assert first.shape == (600, 7) and np.all(first.sum(axis=1) == 7)
    assert np.array_equal(first, again)  # the chunk size changes nothing
    assert first.mean() == pytest.approx(1.0)


def test_quantiles_equal_numpy_on_each_resample() -> None:
    rng = np.random.default_rng(5)
    values = rng.uniform(10, 500, size=40)
    values[[3, 17]] = np.nan  # failed calls have no latency
    counts = np.concatenate(list(resample_counts(40, 50, rng)))
    quantiles = weighted_quantiles(counts, values, (0.5, 0.95))
    for row, got in zip(counts, quantiles, strict=True):
        drawn = np.repeat(values, row.astype(int))
        drawn = drawn[~np.isnan(drawn)]
        assert got == pytest.approx([np.median(drawn), np.percentile(drawn, 95)], abs=1e-9)


def test_sums_and_an_undrawn_value() -> None:
    counts = np.array([[2.0, 0.0, 1.0], [0.0, 3.0, 0.0]])
    values = np.array([[1.0], [5.0], [2.0]])
    mask = np.array([[True], [False], [True]])
    sums, drawn = weighted_sums(counts, values, mask)
    assert sums[:, 0].tolist() == [4.0, 0.0] and drawn[:, 0].tolist() == [3.0, 0.0]
    quantiles = weighted_quantiles(counts, np.array([1.0, np.nan, 2.0]), (0.5,))
    assert quantiles[0, 0] == pytest.approx(1.0) and np.isnan(quantiles[1, 0])


def test_percentile_interval_ignores_nan_resamples() -> None:
    samples = np.column_stack([np.arange(101.0), np.full(101, np.nan)])
    low, high = percentile_interval(samples, 0.9)
    assert (low[0], high[0]) == pytest.approx((5.0, 95.0)) and np.isnan(low[1])


def test_windowed_quantiles_on_many_items_and_a_resample_that_leaves_the_window() -> None:
    rng = np.random.default_rng(8)
    values = rng.lognormal(5, 1, size=5000)
    counts = np.concatenate(list(resample_counts(5000, 20, rng)))
    skewed = np.zeros(5000)
    skewed[np.argsort(values)[:100]] = 50  # every draw among the 100 fastest: far outside the window
    counts = np.vstack([counts, skewed])
    quantiles = weighted_quantiles(counts, values, (0.5, 0.95))
    for row, got in zip(counts, quantiles, strict=True):
        drawn = np.repeat(values, row.astype(int))
        assert got == pytest.approx([np.median(drawn), np.percentile(drawn, 95)], abs=1e-9)
