"""Every pair of models compared on one metric, p-values corrected across the pairs (one family per metric).

Per-item metrics (quality and each evaluator's score) use :func:`llmbench.stats.paired.paired_comparison` on the
items both models have a value for; a failed call counts as 0, as in the ranking, and the failures are reported.
The overall score is not a per-item mean (it normalises medians and costs across models), so its comparison is
read from the paired bootstrap: the standard error is the spread of the resampled differences (scaled from divisor
n to n − 1), and the difference is referred to Student's t with n − 1 degrees of freedom, as a paired t-test would
be. Read from the normal distribution instead, six identical models were called different in 6.75 % of 400
simulated runs of 100 binary items (Holm, alpha 0.05); with t, 5.0 %. A t reading rather than counting resamples
beyond 0, because counting cannot go below 1/(resamples + 1): with 2,000 resamples it could never pass Holm's first
step for more than 50 pairs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from llmbench.stats.correction import adjust_pvalues
from llmbench.stats.models import SignificanceTest
from llmbench.stats.paired import PairedOutcome, paired_comparisons
from llmbench.stats.power import items_needed_bootstrap, items_needed_t

__all__ = ["Family", "metric_tests", "overall_tests"]


class Family:
    """What a family of tests needs besides the data: level, correction, interval and power settings."""

    def __init__(self, alpha: float, correction: str, power: float) -> None:
        self.alpha = alpha
        self.correction = correction
        self.power = power

    @property
    def confidence(self) -> float:
        return 1 - self.alpha


def _pairs(n_models: int) -> list[tuple[int, int]]:
    return [(a, b) for a in range(n_models) for b in range(a + 1, n_models)]


def metric_tests(
    metric: str, values: np.ndarray, failed: np.ndarray, models: Sequence[str], family: Family
) -> list[SignificanceTest]:
    """Paired tests of every pair on (models, items) ``values``; ``failed`` marks failed calls (models, items)."""
    by_mask: dict[bytes, list[tuple[int, int, np.ndarray]]] = {}
    for a, b in _pairs(len(models)):
        both = ~np.isnan(values[a]) & ~np.isnan(values[b])
        if int(both.sum()) >= 2:
            by_mask.setdefault(np.packbits(both).tobytes(), []).append((a, b, both))
    found: list[tuple[int, int, np.ndarray, PairedOutcome]] = []
    for group in by_mask.values():  # pairs on the same items are tested in one batch
        both = group[0][2]
        firsts = values[[a for a, _, _ in group]][:, both]
        seconds = values[[b for _, b, _ in group]][:, both]
        outcomes = paired_comparisons(firsts, seconds, family.confidence)
        found += [(a, b, mask, o) for (a, b, mask), o in zip(group, outcomes, strict=True)]
    found.sort(key=lambda f: (f[0], f[1]))
    adjusted = adjust_pvalues([o.p_value for *_, o in found], family.correction)
    per_test_alpha = family.alpha / max(1, len(found))
    effects = np.array([o.effect_size if o.effect_size is not None else np.nan for *_, o in found])
    needed = items_needed_t(effects, per_test_alpha, family.power) if found else []
    tests = []
    for (a, b, both, o), p_adjusted, n_needed in zip(found, adjusted, needed, strict=True):
        significant = p_adjusted <= family.alpha
        tests.append(
            SignificanceTest(
                metric=metric,
                model_a=models[a],
                model_b=models[b],
                test=o.test,
                statistic=o.statistic,
                p_value=o.p_value,
                p_adjusted=p_adjusted,
                correction=family.correction,
                significant=significant,
                n=o.n,
                difference=o.difference,
                ci_low=o.ci_low,
                ci_high=o.ci_high,
                effect_size=o.effect_size,
                failed_a=int(np.sum(failed[a][both])),
                failed_b=int(np.sum(failed[b][both])),
                wilcoxon_statistic=o.wilcoxon_statistic,
                wilcoxon_p=o.wilcoxon_p,
                wilcoxon_method=o.wilcoxon_method,
                items_needed=None if significant else n_needed,
                note=o.note,
            )
        )
    return tests


def overall_tests(
    samples: np.ndarray, observed: np.ndarray, models: Sequence[str], n_items: int, family: Family
) -> list[SignificanceTest]:
    """Bootstrap comparisons of every pair with an overall score; ``samples`` is (resamples, models)."""
    from scipy import stats

    scored = [j for j in range(len(models)) if math.isfinite(observed[j])]
    df = max(n_items - 1, 1)
    found: list[tuple[int, int, float, float, float]] = []
    for i, a in enumerate(scored):
        for b in scored[i + 1 :]:
            d = samples[:, a] - samples[:, b]
            d = d[~np.isnan(d)]
            difference = float(observed[a] - observed[b])
            # The bootstrap spread is the plug-in one (divisor n): scale it to the unbiased n − 1.
            se = float(np.std(d, ddof=1)) * math.sqrt(n_items / max(n_items - 1, 1)) if d.size > 1 else math.nan
            # With no spread, every resample gives the same difference: certain, either way.
            if not se > 1e-12 * max(1.0, abs(difference)):  # float noise around one difference: no spread
                se = 0.0
            p = float(2 * stats.t.sf(abs(difference) / se, df)) if se > 0 else (0.0 if difference else 1.0)
            found.append((a, b, difference, se, p))
    adjusted = adjust_pvalues([f[-1] for f in found], family.correction)
    z = float(stats.t.ppf(1 - family.alpha / 2, df))
    per_test_alpha = family.alpha / max(1, len(found))
    tests = []
    for (a, b, difference, se, p), p_adjusted in zip(found, adjusted, strict=True):
        significant = p_adjusted <= family.alpha
        half = z * se if se > 0 else 0.0
        needed = None
        if not significant:
            needed = items_needed_bootstrap(difference, se, n_items, per_test_alpha, family.power)
        tests.append(
            SignificanceTest(
                metric="overall",
                model_a=models[a],
                model_b=models[b],
                test="bootstrap",
                statistic=difference / se if se > 0 else None,
                p_value=p,
                p_adjusted=p_adjusted,
                correction=family.correction,
                significant=significant,
                n=n_items,
                difference=difference,
                ci_low=difference - half,
                ci_high=difference + half,
                items_needed=needed,
            )
        )
    return tests
