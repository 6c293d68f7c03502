"""How many items an inconclusive comparison would need to detect the difference it observed.

For per-item metrics: the smallest n at which a two-sided paired t-test at level ``alpha`` has the requested power
against the observed standardised difference d_z, from the noncentral t distribution. The level passed in is
alpha / (number of pairs): what Holm asks of the smallest p-value, so the figure is on the safe side. For the
overall score (a bootstrap comparison) the normal approximation n·((z₁₋α/₂ + z_power)·SE / |difference|)².
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["MAX_ITEMS", "items_needed_bootstrap", "items_needed_t"]

#: Beyond this, the answer is "more than MAX_ITEMS": no benchmark is that large.
MAX_ITEMS = 10_000_000


def _t_power(n: np.ndarray, dz: np.ndarray, alpha: float) -> np.ndarray:
    from scipy import stats

    df = n - 1
    critical = stats.t.ppf(1 - alpha / 2, df)
    shift = dz * np.sqrt(n)
    return np.asarray(stats.nct.sf(critical, df, shift) + stats.nct.cdf(-critical, df, shift))


def items_needed_t(effect_sizes: np.ndarray, alpha: float, power: float) -> list[int | None]:
    """Per d_z: the smallest n ≥ 2 reaching ``power``; None when d_z is 0 or the answer exceeds MAX_ITEMS."""
    from scipy import stats

    dz = np.abs(np.asarray(effect_sizes, dtype=float))
    usable = np.isfinite(dz) & (dz > 0)
    dz_safe = np.where(usable, dz, 1.0)
    guess = ((stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)) / dz_safe) ** 2
    high = np.minimum(np.ceil(2 * guess) + 10, MAX_ITEMS)
    for _ in range(8):  # the normal guess is close; widen where it is not
        short = _t_power(high, dz_safe, alpha) < power
        if not np.any(short & (high < MAX_ITEMS)):
            break
        high = np.where(short, np.minimum(high * 2, MAX_ITEMS), high)
    reachable = usable & (_t_power(high, dz_safe, alpha) >= power)
    low = np.full_like(high, 1.0)  # power(low) < target, power(high) ≥ target
    while np.any(high - low > 1):
        mid = np.floor((low + high) / 2)
        enough = _t_power(np.maximum(mid, 2), dz_safe, alpha) >= power
        high, low = np.where(enough, mid, high), np.where(enough, low, mid)
    return [int(max(h, 2)) if ok else None for h, ok in zip(high, reachable, strict=True)]


def items_needed_bootstrap(difference: float, standard_error: float, n: int, alpha: float, power: float) -> int | None:
    """Normal approximation from a bootstrap standard error observed with ``n`` items."""
    from scipy import stats

    if difference == 0 or not math.isfinite(standard_error) or standard_error <= 0:
        return None
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    needed = math.ceil(n * (z * standard_error / abs(difference)) ** 2)
    return needed if needed <= MAX_ITEMS else None
