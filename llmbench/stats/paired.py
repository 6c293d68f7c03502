"""Paired tests of two models over the same items (scipy does the math; this module picks the test).

* Continuous values: the **paired t-test** decides, because the ranking compares means and the t-test tests the
  mean difference; its interval is the effect size in the metric's own units, with Cohen's d_z beside it. The
  **Wilcoxon signed-rank** test is reported as a check that does not assume normal differences. Its method is
  chosen, never left to scipy's "auto", which with ties and ≤ 13 items runs an exhaustive permutation test
  (9.4 s for 6 models × 12 items, STACK-NOTES): exact when there are ≤ 50 non-zero differences and no ties
  (the exact null distribution is then exact and cheap), else the normal approximation with tie correction.
* Binary values (0/1, e.g. exact match): the **exact McNemar test**, a binomial test on the discordant items.
* Differences that are all zero: p = 1 (no evidence either way). The same non-zero difference on every item:
  the exact sign test, since the t statistic is infinite there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "WILCOXON_EXACT_MAX",
    "PairedOutcome",
    "is_binary",
    "paired_comparison",
    "paired_comparisons",
    "wilcoxon_method",
]

#: Largest number of non-zero differences for which the Wilcoxon test is computed exactly.
WILCOXON_EXACT_MAX = 50
#: Relative spread under which differences count as one constant difference.
_CONSTANT = 1e-12


@dataclass(frozen=True)
class PairedOutcome:
    test: str
    statistic: float | None
    p_value: float
    n: int
    difference: float
    ci_low: float
    ci_high: float
    effect_size: float | None
    wilcoxon_statistic: float | None = None
    wilcoxon_p: float | None = None
    wilcoxon_method: str | None = None
    note: str | None = None


def is_binary(*arrays: np.ndarray) -> bool:
    return all(bool(np.all((a == 0) | (a == 1))) for a in arrays)


def wilcoxon_method(differences: np.ndarray) -> str:
    """``exact`` when cheap and exact (≤ WILCOXON_EXACT_MAX non-zero differences, no ties), else ``asymptotic``."""
    nonzero = differences[differences != 0]
    if nonzero.size > WILCOXON_EXACT_MAX:
        return "asymptotic"
    return "exact" if np.unique(np.abs(nonzero)).size == nonzero.size else "asymptotic"


def paired_comparison(a: np.ndarray, b: np.ndarray, confidence: float = 0.95) -> PairedOutcome:
    """Compare paired values ``a`` and ``b`` (same items, same order; at least two)."""
    from scipy import stats  # ~0.4 s to import: paid only when statistics run

    d = a - b
    n = int(d.size)
    mean = float(np.mean(d))
    if not np.any(d):
        return PairedOutcome("none", None, 1.0, n, 0.0, 0.0, 0.0, None, note="identical on every item")
    sd = float(np.std(d, ddof=1))
    if sd <= _CONSTANT * max(1.0, abs(mean)):  # float noise around one difference: t would be ~1e16
        positive = int(np.sum(d > 0))
        p = float(stats.binomtest(positive, n, 0.5).pvalue)
        note = "the same difference on every item"
        return PairedOutcome("sign-exact", float(positive), p, n, mean, mean, mean, None, note=note)
    t = stats.ttest_rel(a, b)
    ci = t.confidence_interval(confidence_level=confidence)
    common = {"n": n, "difference": mean, "ci_low": float(ci.low), "ci_high": float(ci.high), "effect_size": mean / sd}
    if is_binary(a, b):
        wins, losses = int(np.sum((a == 1) & (b == 0))), int(np.sum((a == 0) & (b == 1)))
        p = float(stats.binomtest(wins, wins + losses, 0.5).pvalue)
        return PairedOutcome("mcnemar-exact", float(wins), p, **common)  # type: ignore[arg-type]
    method = wilcoxon_method(d)
    w = stats.wilcoxon(a, b, method=method)
    return PairedOutcome(
        "paired-t",
        float(t.statistic),
        float(t.pvalue),
        wilcoxon_statistic=float(w.statistic),
        wilcoxon_p=float(w.pvalue),
        wilcoxon_method=method,
        **common,  # type: ignore[arg-type]
    )


def paired_comparisons(a: np.ndarray, b: np.ndarray, confidence: float = 0.95) -> list[PairedOutcome]:
    """:func:`paired_comparison` of each row of (pairs, items) arrays, one scipy call for all the ordinary rows.

    Same results as row by row (scipy computes along the axis); what it saves is scipy's per-call overhead, which
    dominates at 45 pairs × several metrics.
    """
    from scipy import stats

    d = a - b
    means = d.mean(axis=1)
    spread = d.std(axis=1, ddof=1) if d.shape[1] > 1 else np.zeros(len(d))
    special = [
        i
        for i in range(len(d))
        if not np.any(d[i]) or spread[i] <= _CONSTANT * max(1.0, abs(means[i])) or is_binary(a[i], b[i])
    ]
    out: dict[int, PairedOutcome] = {i: paired_comparison(a[i], b[i], confidence) for i in special}
    rows = np.array([i for i in range(len(d)) if i not in out], dtype=np.intp)
    if rows.size:
        t = stats.ttest_rel(a[rows], b[rows], axis=1)
        ci = t.confidence_interval(confidence_level=confidence)
        methods = [wilcoxon_method(d[i]) for i in rows]
        wilcoxon: dict[int, tuple[float, float, str]] = {}
        for method in sorted(set(methods)):
            chosen = rows[[m == method for m in methods]]
            w = stats.wilcoxon(a[chosen], b[chosen], axis=1, method=method)
            for k, i in enumerate(chosen):
                wilcoxon[int(i)] = (float(np.atleast_1d(w.statistic)[k]), float(np.atleast_1d(w.pvalue)[k]), method)
        for k, i in enumerate(rows):
            w_stat, w_p, method = wilcoxon[int(i)]
            out[int(i)] = PairedOutcome(
                "paired-t",
                float(t.statistic[k]),
                float(t.pvalue[k]),
                n=int(d.shape[1]),
                difference=float(means[i]),
                ci_low=float(ci.low[k]),
                ci_high=float(ci.high[k]),
                effect_size=float(means[i] / spread[i]),
                wilcoxon_statistic=w_stat,
                wilcoxon_p=w_p,
                wilcoxon_method=method,
            )
    return [out[i] for i in range(len(d))]
