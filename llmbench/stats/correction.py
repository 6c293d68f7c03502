"""Adjusting p-values for the many pairs one comparison tests at once.

Comparing k models makes k(k−1)/2 paired tests; at 5 % each, six identical models would "differ" in about half
of the runs. Holm's step-down keeps the family-wise error rate (any false difference at all) at alpha and is the
default; Benjamini–Hochberg keeps the expected share of false differences at alpha and finds more real ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["CORRECTIONS", "adjust_pvalues"]

CORRECTIONS = ("holm", "bh")


def adjust_pvalues(p_values: Sequence[float], method: str = "holm") -> list[float]:
    """Adjusted p-values in input order: compare each with alpha.

    Holm: sort ascending, ``p_(i)·(m − i + 1)``, made non-decreasing. Benjamini–Hochberg: ``p_(i)·m / i``, made
    non-increasing from the largest down. Both are capped at 1.
    """
    if method not in CORRECTIONS:
        raise ValueError(f"unknown correction {method!r}: use one of {', '.join(CORRECTIONS)}")
    p = np.asarray(p_values, dtype=float)
    m = p.size
    if m == 0:
        return []
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    if method == "holm":
        adjusted = np.maximum.accumulate(ranked * (m - np.arange(m)))
    else:
        adjusted = np.minimum.accumulate((ranked * m / np.arange(1, m + 1))[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return [float(x) for x in out]
