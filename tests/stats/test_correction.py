"""Holm and Benjamini–Hochberg adjusted p-values on a worked example."""

from __future__ import annotations

import pytest
from scipy import stats

from llmbench.stats import adjust_pvalues

# Worked example: five p-values, in input order (not sorted).
P = [0.01, 0.04, 0.03, 0.005, 0.20]


def test_holm_worked_example() -> None:
    # sorted: 0.005·5 = 0.025, 0.01·4 = 0.04, 0.03·3 = 0.09, 0.04·2 = 0.08 → 0.09 (monotone), 0.20·1 = 0.20
    assert adjust_pvalues(P, "holm") == pytest.approx([0.04, 0.09, 0.09, 0.025, 0.20], abs=1e-12)


def test_bh_worked_example_and_scipy() -> None:
    # sorted: 0.005·5/1 = 0.025, 0.01·5/2 = 0.025, 0.03·5/3 = 0.05, 0.04·5/4 = 0.05, 0.20·5/5 = 0.20
    expected = [0.025, 0.05, 0.05, 0.025, 0.20]
    assert adjust_pvalues(P, "bh") == pytest.approx(expected, abs=1e-12)
    assert adjust_pvalues(P, "bh") == pytest.approx(list(stats.false_discovery_control(P, method="bh")), abs=1e-12)


def test_capped_at_one_empty_and_unknown() -> None:
    assert adjust_pvalues([0.6, 0.7], "holm") == [1.0, 1.0]
    assert adjust_pvalues([], "bh") == []
    with pytest.raises(ValueError, match="holm, bh"):
        adjust_pvalues([0.1], "bonferroni")
