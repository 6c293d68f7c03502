"""The overall score of :mod:`llmbench.ranking`, vectorised over a leading axis of bootstrap resamples.

The ranking scores the observed figures with these functions (a leading axis of one) and the bootstrap re-scores
every resample with the very same code, so the interval of an overall score is the interval of the number the
ranking prints. Arrays hold one column per ranked model; NaN marks a figure that is unknown (a latency never
reported, a price never declared).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from llmbench.types import RankingOptions, RankingWeights

__all__ = ["LATENCY_FLOOR_MS", "Scores", "cost_efficiency", "overall", "performance", "score"]

#: Latencies below this count as this much under ``normalisation = "relative"``: a simulated model answering in
#: 0 ms must not divide by zero, and sub-millisecond differences are timer noise, not speed.
LATENCY_FLOOR_MS = 1.0

Array = np.ndarray


@dataclass(frozen=True)
class Scores:
    performance: Array
    efficiency: Array  # NaN: price unknown
    overall: Array  # NaN: not ranked overall (price unknown under the "exclude" policy)


def performance(latency: Array, normalisation: str) -> Array:
    """Speed in [0, 1] from median latencies; a model with no latency scores 0, and 1 for all when none has one.

    ``relative``: fastest / latency, so a model twice as slow as the fastest scores 0.5 whatever the spread of
    the others. ``minmax`` (the seed's): 1 − (latency − fastest) / (slowest − fastest), which hands the whole
    0–1 range to any difference, however small.
    """
    known = ~np.isnan(latency)
    low = np.min(np.where(known, latency, np.inf), axis=-1, keepdims=True)
    any_known = np.isfinite(low)
    with np.errstate(divide="ignore", invalid="ignore"):
        if normalisation == "minmax":
            high = np.max(np.where(known, latency, -np.inf), axis=-1, keepdims=True)
            span = high - low
            speed = np.where(span > 0, 1 - (latency - low) / span, 1.0)
        else:
            speed = np.maximum(low, LATENCY_FLOOR_MS) / np.maximum(latency, LATENCY_FLOOR_MS)
    return np.where(known, speed, np.where(any_known, 0.0, 1.0))


def cost_efficiency(quality: Array, cost: Array) -> Array:
    """``(quality/cost) / max(quality/cost)`` over models with a known positive cost; raw quality at cost 0 (or
    for everyone when no known cost is positive); NaN when the price is unknown."""
    positive = cost > 0  # False for NaN
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(positive, quality / np.where(positive, cost, 1.0), -np.inf)
        best = np.max(ratio, axis=-1, keepdims=True)
        relative = np.where(best > 0, ratio / best, 0.0)
    has_best = np.isfinite(best)
    efficiency = np.where(positive & has_best, relative, quality)
    return np.where(np.isnan(cost), np.nan, efficiency)


def overall(quality: Array, speed: Array, efficiency: Array, weights: RankingWeights, unknown_price: str) -> Array:
    """``w_q·quality + w_p·performance + w_c·cost_efficiency``; an unknown price follows ``unknown_price``:

    * ``pessimistic`` (default): cost efficiency counts as 0, the worst possible, so missing data never helps;
    * ``exclude``: no overall score (NaN), the model is ranked after every priced model;
    * ``renormalise`` (the seed's): ``(w_q·quality + w_p·performance) / (w_q + w_p)``.
    """
    w = weights
    base = w.quality * quality + w.performance * speed
    known = base + w.cost * np.nan_to_num(efficiency)
    if unknown_price == "pessimistic":
        unknown = base
    elif unknown_price == "renormalise":
        total = w.quality + w.performance
        unknown = base / total if total > 0 else np.zeros_like(base)
    else:
        unknown = np.full_like(base, np.nan)
    return np.where(np.isnan(efficiency), unknown, known)


def score(quality: Array, latency: Array, cost: Array, weights: RankingWeights, options: RankingOptions) -> Scores:
    """Performance, cost efficiency and overall score of ranked models from their quality, latency and cost."""
    speed = performance(latency, options.normalisation)
    efficiency = cost_efficiency(quality, cost)
    return Scores(speed, efficiency, overall(quality, speed, efficiency, weights, options.unknown_price))
