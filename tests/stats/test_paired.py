"""Paired tests equal scipy's on fixed data, and the test and Wilcoxon method are chosen deliberately."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from llmbench.stats import paired_comparison
from llmbench.stats.paired import WILCOXON_EXACT_MAX, wilcoxon_method

A = np.array([0.91, 0.85, 0.78, 0.88, 0.95, 0.70, 0.83, 0.90, 0.66, 0.79, 0.93, 0.81])
B = np.array([0.80, 0.86, 0.60, 0.75, 0.81, 0.72, 0.65, 0.70, 0.69, 0.74, 0.76, 0.75])


def test_paired_t_and_exact_wilcoxon_equal_scipy() -> None:
    outcome = paired_comparison(A, B, confidence=0.95)
    t = stats.ttest_rel(A, B)
    ci = t.confidence_interval(confidence_level=0.95)
    w = stats.wilcoxon(A, B, method="exact")
    d = A - B
    assert outcome.test == "paired-t" and outcome.n == 12
    assert outcome.statistic == pytest.approx(float(t.statistic), abs=1e-9)
    assert outcome.p_value == pytest.approx(float(t.pvalue), abs=1e-9)
    assert (outcome.ci_low, outcome.ci_high) == pytest.approx((float(ci.low), float(ci.high)), abs=1e-9)
    assert outcome.difference == pytest.approx(float(d.mean()), abs=1e-12)
    assert outcome.effect_size == pytest.approx(float(d.mean() / d.std(ddof=1)), abs=1e-12)
    assert outcome.wilcoxon_method == "exact"
    assert outcome.wilcoxon_statistic == pytest.approx(float(w.statistic), abs=1e-9)
    assert outcome.wilcoxon_p == pytest.approx(float(w.pvalue), abs=1e-9)


def test_ties_use_the_normal_approximation_never_scipys_permutation_test() -> None:
    # Twelve items with tied differences: scipy's "auto" would enumerate 2^12 sign flips (STACK-NOTES: 9.4 s).
    a = np.array([0.9, 0.8, 0.9, 0.7, 0.9, 0.8, 0.6, 0.9, 0.8, 0.7, 0.9, 0.5])
    b = np.array([0.8, 0.7, 0.8, 0.7, 0.6, 0.7, 0.5, 0.8, 0.9, 0.6, 0.8, 0.5])
    outcome = paired_comparison(a, b)
    w = stats.wilcoxon(a, b, method="asymptotic")
    assert outcome.wilcoxon_method == "asymptotic"
    assert outcome.wilcoxon_p == pytest.approx(float(w.pvalue), abs=1e-9)
    assert outcome.wilcoxon_statistic == pytest.approx(float(w.statistic), abs=1e-9)


def test_wilcoxon_method_choice() -> None:
    assert wilcoxon_method(np.arange(1.0, WILCOXON_EXACT_MAX + 1)) == "exact"
    assert wilcoxon_method(np.arange(1.0, WILCOXON_EXACT_MAX + 2)) == "asymptotic"  # exact grows costly
    assert wilcoxon_method(np.array([0.0, 0.0, 1.0, 2.0, 3.0])) == "exact"  # zeros are dropped, no ties left
    assert wilcoxon_method(np.array([1.0, -1.0, 2.0])) == "asymptotic"  # |1| = |−1|: a tie


def test_binary_values_use_exact_mcnemar() -> None:
    a = np.array([1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 0], dtype=float)
    b = np.array([0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0], dtype=float)
    outcome = paired_comparison(a, b)
    wins, losses = int(np.sum((a == 1) & (b == 0))), int(np.sum((a == 0) & (b == 1)))
    assert outcome.test == "mcnemar-exact" and outcome.statistic == wins
    assert outcome.p_value == pytest.approx(float(stats.binomtest(wins, wins + losses, 0.5).pvalue), abs=1e-12)
    assert outcome.wilcoxon_p is None


def test_identical_and_constant_differences() -> None:
    same = paired_comparison(A, A.copy())
    assert (same.test, same.p_value, same.difference, same.note) == ("none", 1.0, 0.0, "identical on every item")
    shifted = paired_comparison(A + 0.05, A)
    assert shifted.test == "sign-exact" and shifted.difference == pytest.approx(0.05)
    assert shifted.p_value == pytest.approx(float(stats.binomtest(12, 12, 0.5).pvalue), abs=1e-12)
