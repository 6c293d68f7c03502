"""Families of pairwise tests: batched tests equal one-by-one ones, the overall comparison equals its formula in
scipy, and p-values are corrected across the pairs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from llmbench.stats import adjust_pvalues, paired_comparison
from llmbench.stats.paired import paired_comparisons
from llmbench.stats.pairwise import Family, metric_tests, overall_tests

FAMILY = Family(alpha=0.05, correction="holm", power=0.8)


def test_batched_rows_equal_single_comparisons_including_special_rows() -> None:
    rng = np.random.default_rng(2)
    a = rng.uniform(0, 1, size=(5, 80))
    b = rng.uniform(0, 1, size=(5, 80))
    b[1] = a[1]  # identical
    b[2] = a[2] - 0.1  # constant difference
    a[3], b[3] = (rng.random(80) < 0.7).astype(float), (rng.random(80) < 0.5).astype(float)  # binary
    for batched, (x, y) in zip(paired_comparisons(a, b), zip(a, b, strict=True), strict=True):
        single = paired_comparison(x, y)
        assert batched.test == single.test
        assert batched.p_value == pytest.approx(single.p_value, abs=1e-12)
        assert batched.ci_low == pytest.approx(single.ci_low, abs=1e-12)
        assert batched.wilcoxon_p == pytest.approx(single.wilcoxon_p, abs=1e-12)


def test_metric_family_is_holm_corrected_and_counts_failures() -> None:
    rng = np.random.default_rng(3)
    values = rng.uniform(0.3, 0.9, size=(4, 30))
    values[0] += 0.1
    failed = np.zeros_like(values, dtype=bool)
    failed[2, :3] = True
    values[2, :3] = 0.0
    tests = metric_tests("quality", values, failed, ["a", "b", "c", "d"], FAMILY)
    assert [(t.model_a, t.model_b) for t in tests] == [
        ("a", "b"),
        ("a", "c"),
        ("a", "d"),
        ("b", "c"),
        ("b", "d"),
        ("c", "d"),
    ]
    raw = [
        float(stats.ttest_rel(values[i], values[j]).pvalue) for i, j in [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    ]
    assert [t.p_value for t in tests] == pytest.approx(raw, abs=1e-9)
    assert [t.p_adjusted for t in tests] == pytest.approx(adjust_pvalues(raw, "holm"), abs=1e-12)
    assert all(t.significant == (t.p_adjusted <= 0.05) for t in tests)
    assert [(t.failed_a, t.failed_b) for t in tests if "c" in (t.model_a, t.model_b)] == [(0, 3), (0, 3), (3, 0)]


def test_overall_comparison_is_a_t_reading_of_the_bootstrap_spread() -> None:
    rng = np.random.default_rng(4)
    samples = np.column_stack([rng.normal(0.70, 0.02, 2000), rng.normal(0.66, 0.02, 2000), np.full(2000, np.nan)])
    observed = np.array([0.70, 0.66, np.nan])  # the third model has no overall score: not compared
    (test,) = overall_tests(samples, observed, ["a", "b", "x"], n_items=40, family=FAMILY)
    se = float(np.std(samples[:, 0] - samples[:, 1], ddof=1)) * math.sqrt(40 / 39)
    assert test.difference == pytest.approx(0.04)
    assert test.p_value == pytest.approx(float(2 * stats.t.sf(0.04 / se, 39)), abs=1e-12)
    half = float(stats.t.ppf(0.975, 39)) * se
    assert (test.ci_low, test.ci_high) == pytest.approx((0.04 - half, 0.04 + half), abs=1e-12)
    assert test.test == "bootstrap" and test.p_adjusted == test.p_value


def test_an_overall_difference_that_never_varies() -> None:
    samples = np.column_stack([np.full(100, 0.5), np.full(100, 0.5), np.full(100, 0.4)])
    tests = overall_tests(samples, np.array([0.5, 0.5, 0.4]), ["a", "b", "c"], n_items=20, family=FAMILY)
    same = next(t for t in tests if (t.model_a, t.model_b) == ("a", "b"))
    apart = next(t for t in tests if (t.model_a, t.model_b) == ("a", "c"))
    assert same.p_value == 1.0 and not same.significant and same.items_needed is None
    assert apart.p_value == 0.0 and apart.significant
