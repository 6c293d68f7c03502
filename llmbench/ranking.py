"""Aggregate per-item results into one ranking of models.

Scoring one response lives in :mod:`llmbench.evaluators`; this module only aggregates. For each model M with
successful results S(M) out of all its results N(M):

* per-item quality ``q_i = Σ_k w_k·s_k / Σ_k w_k`` over the metrics k present in the item's scores
  (:func:`llmbench.evaluators.quality.item_quality`, re-exported here): correctness-type metrics dominate,
  faithfulness 0.4, relevance 0.3, coherence 0.3; metrics not applicable to the item are absent and the weights
  renormalise; 0 with no scores at all.
* ``quality = Σ_{i∈S(M)} q_i / |N(M)|``: a failed call scores 0, so a model that answers well but often fails
  does not outrank a reliable one; ``success_rate = |S|/|N|`` shows how much of the gap is failures.
* ``latency`` = median ``latency_ms`` over S(M) (also its 95th percentile); ``cost`` = mean ``cost_usd`` per
  successful item, unknown (None) when any of them is None (``cost_usd`` is the source of truth: 0 is a real
  declared price, None means unknown). ``price_known`` is also true for a model whose calls all failed but whose
  rows carry a price: its cost is unmeasured, not unknown.
* ``performance = 1 − (latency − min) / (max − min)`` over the ranked models (1.0 when all equal; 0 when a
  model reports no latency).
* ``cost_efficiency = (quality/cost) / max_j(quality_j/cost_j)``, the max over models with a known positive
  cost; a model whose cost is 0 gets its raw quality (as does everyone when no known cost is positive);
  a model whose cost is unknown gets None.
* ``overall = w_q·quality + w_p·performance + w_c·cost_efficiency`` (RankingWeights, default 0.6/0.2/0.2).
  When cost_efficiency is None: ``overall = (w_q·quality + w_p·performance) / (w_q + w_p)``, i.e. the weights
  renormalised over the known components, and the model gets the weakness "price unknown".
* Strengths/weaknesses compare with the means over ranked models: quality above mean + 0.1 → "high
  quality", below mean − 0.1 → "low quality"; latency below 0.8·mean → "fast", above 1.2·mean → "slow";
  cost below 0.8·mean → "low cost", above 1.2·mean → "expensive"; any failure → "failed N of M calls".
* Models with no success rank last with every component 0 and the weakness "all calls failed".
* Order: overall desc, quality desc, latency asc, model name asc; ranks start at 1.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from llmbench.errors import NoSuccessfulResults
from llmbench.evaluators.quality import QUALITY_WEIGHTS, item_quality
from llmbench.types import ComponentScores, ModelRanking, ModelResult, RankingWeights, Recommendation

__all__ = ["QUALITY_WEIGHTS", "RankingEngine", "item_quality", "pairwise_matrix", "recommend"]

#: Tolerance of the strength/weakness thresholds, so float noise on a boundary (0.9 vs 0.8 + 0.1) decides nothing.
_EPS = 1e-9


@dataclass
class _Aggregate:
    """One model's figures before they are compared with the other models."""

    model: str
    n_items: int
    n_success: int
    quality: float = 0.0
    latency: float | None = None
    latency_p95: float | None = None
    cost: float | None = None
    price_declared: bool = False  # the rows say a price exists, even when no call succeeded to be priced
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def n_failed(self) -> int:
        return self.n_items - self.n_success

    @property
    def success_rate(self) -> float:
        return self.n_success / self.n_items if self.n_items else 0.0


def _aggregate(model: str, results: list[ModelResult]) -> _Aggregate:
    ok = [r for r in results if r.success]
    agg = _Aggregate(
        model=model, n_items=len(results), n_success=len(ok), price_declared=any(r.price_known for r in results)
    )
    if not ok:
        return agg
    agg.quality = sum(item_quality(r.scores) for r in ok) / len(results)
    latencies = [r.latency_ms for r in ok if r.latency_ms is not None]
    if latencies:
        agg.latency = statistics.median(latencies)
        agg.latency_p95 = float(np.percentile(latencies, 95))
    costs = [r.cost_usd for r in ok]
    if all(c is not None for c in costs):
        agg.cost = statistics.fmean(c for c in costs if c is not None)
    names = sorted({name for r in ok for name in r.scores})
    agg.metrics = {name: statistics.fmean(r.scores[name] for r in ok if name in r.scores) for name in names}
    return agg


def _performance(aggs: list[_Aggregate]) -> dict[str, float]:
    known = [a.latency for a in aggs if a.latency is not None]
    if not known:
        return {a.model: 1.0 for a in aggs}
    low, high = min(known), max(known)
    out: dict[str, float] = {}
    for a in aggs:
        if a.latency is None:
            out[a.model] = 0.0
        elif high == low:
            out[a.model] = 1.0
        else:
            out[a.model] = 1 - (a.latency - low) / (high - low)
    return out


def _cost_efficiency(aggs: list[_Aggregate]) -> dict[str, float | None]:
    ratios = [a.quality / a.cost for a in aggs if a.cost is not None and a.cost > 0]
    best = max(ratios) if ratios else None
    out: dict[str, float | None] = {}
    for a in aggs:
        if a.cost is None:
            out[a.model] = None
        elif a.cost == 0 or best is None:
            out[a.model] = a.quality
        else:
            out[a.model] = (a.quality / a.cost) / best if best > 0 else 0.0
    return out


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


class RankingEngine:
    """Ranks models by weighted quality, performance and cost efficiency (formula in the module docstring)."""

    def __init__(self, weights: RankingWeights | None = None) -> None:
        self.weights = weights or RankingWeights()

    def rank(self, results: list[ModelResult]) -> list[ModelRanking]:
        """One ModelRanking per model in ``results``, best first; NoSuccessfulResults when nothing succeeded."""
        by_model: dict[str, list[ModelResult]] = {}
        for result in results:
            by_model.setdefault(result.model, []).append(result)
        aggs = [_aggregate(model, rs) for model, rs in by_model.items()]
        ranked = [a for a in aggs if a.n_success > 0]
        if not ranked:
            raise NoSuccessfulResults()
        performance = _performance(ranked)
        efficiency = _cost_efficiency(ranked)
        avg_quality = statistics.fmean(a.quality for a in ranked)
        avg_latency = _mean([a.latency for a in ranked if a.latency is not None])
        avg_cost = _mean([a.cost for a in ranked if a.cost is not None])

        rankings: list[ModelRanking] = []
        for a in ranked:
            eff = efficiency[a.model]
            overall = self._overall(a.quality, performance[a.model], eff)
            strengths, weaknesses = self._traits(a, avg_quality, avg_latency, avg_cost)
            rankings.append(
                self._ranking(
                    a,
                    overall,
                    ComponentScores(quality=a.quality, performance=performance[a.model], cost_efficiency=eff),
                    strengths,
                    weaknesses,
                )
            )
        rankings.sort(key=_order)
        failed = sorted((a for a in aggs if a.n_success == 0), key=lambda a: a.model)
        for a in failed:
            zero = ComponentScores(quality=0.0, performance=0.0, cost_efficiency=0.0)
            rankings.append(self._ranking(a, 0.0, zero, [], ["all calls failed"]))
        for position, ranking in enumerate(rankings, start=1):
            ranking.rank = position
        return rankings

    def pairwise_matrix(self, rankings: list[ModelRanking]) -> dict[str, dict[str, float]]:
        """See :func:`pairwise_matrix`."""
        return pairwise_matrix(rankings)

    def recommend(self, rankings: list[ModelRanking]) -> Recommendation:
        """See :func:`recommend`."""
        return recommend(rankings)

    def _overall(self, quality: float, performance: float, efficiency: float | None) -> float:
        w = self.weights
        if efficiency is not None:
            return w.quality * quality + w.performance * performance + w.cost * efficiency
        known = w.quality + w.performance
        return (w.quality * quality + w.performance * performance) / known if known > 0 else 0.0

    @staticmethod
    def _traits(
        a: _Aggregate, avg_quality: float, avg_latency: float | None, avg_cost: float | None
    ) -> tuple[list[str], list[str]]:
        strengths: list[str] = []
        weaknesses: list[str] = []
        if a.quality > avg_quality + 0.1 + _EPS:
            strengths.append("high quality")
        elif a.quality < avg_quality - 0.1 - _EPS:
            weaknesses.append("low quality")
        if a.latency is not None and avg_latency is not None:
            if a.latency < 0.8 * avg_latency - _EPS:
                strengths.append("fast")
            elif a.latency > 1.2 * avg_latency + _EPS:
                weaknesses.append("slow")
        if a.cost is None:
            weaknesses.append("price unknown")
        elif avg_cost is not None:
            if a.cost < 0.8 * avg_cost - _EPS:
                strengths.append("low cost")
            elif a.cost > 1.2 * avg_cost + _EPS:
                weaknesses.append("expensive")
        if a.n_failed:
            weaknesses.append(f"failed {a.n_failed} of {a.n_items} calls")
        return strengths, weaknesses

    @staticmethod
    def _ranking(
        a: _Aggregate, overall: float, components: ComponentScores, strengths: list[str], weaknesses: list[str]
    ) -> ModelRanking:
        return ModelRanking(
            model=a.model,
            rank=0,
            overall_score=overall,
            component_scores=components,
            strengths=strengths,
            weaknesses=weaknesses,
            metrics=dict(a.metrics),
            latency_ms=a.latency,
            latency_p95_ms=a.latency_p95,
            cost_usd=a.cost,
            price_known=a.cost is not None or a.price_declared,
            success_rate=a.success_rate,
            n_items=a.n_items,
            n_failed=a.n_failed,
        )


def _order(r: ModelRanking) -> tuple[float, float, float, str]:
    # Rounded so that float noise between equal scores (0.1 + 0.2 vs 0.3) falls to the next tie-breaker.
    return (-round(r.overall_score, 9), -round(r.component_scores.quality, 9), _latency_key(r), r.model)


def _latency_key(ranking: ModelRanking) -> float:
    return ranking.latency_ms if ranking.latency_ms is not None else float("inf")


def _successful(rankings: list[ModelRanking]) -> list[ModelRanking]:
    return sorted((r for r in rankings if r.success_rate > 0), key=lambda r: r.rank)


def pairwise_matrix(rankings: list[ModelRanking]) -> dict[str, dict[str, float]]:
    """``matrix[a][b] = quality_a − quality_b`` (positive: a is better), for models with at least one success.

    Models whose calls all failed are left out: their quality is unknown, not 0.
    """
    models = _successful(rankings)
    return {a.model: {b.model: a.component_scores.quality - b.component_scores.quality for b in models} for a in models}


def recommend(rankings: list[ModelRanking]) -> Recommendation:
    """Best model overall, for quality, for speed and for cost, each with a one-line reason with its numbers.

    Ties go to the better-ranked model. best_for_cost is None when no successful model has a known cost.
    """
    models = _successful(rankings)
    if not models:
        return Recommendation(
            best_overall=None,
            best_for_quality=None,
            best_for_speed=None,
            best_for_cost=None,
            reasoning={"overall": "no model answered successfully"},
        )
    best = models[0]
    quality = max(models, key=lambda r: r.component_scores.quality)  # max keeps the first (best-ranked) on ties
    timed = [r for r in models if r.latency_ms is not None]
    speed = min(timed, key=_latency_key) if timed else None
    priced = [r for r in models if r.cost_usd is not None]
    cheap = min(priced, key=lambda r: r.cost_usd or 0.0) if priced else None
    c = best.component_scores
    eff = "unknown" if c.cost_efficiency is None else f"{c.cost_efficiency:.3f}"
    reasoning = {
        "overall": (
            f"{best.model} ranks 1 of {len(rankings)} with overall score {best.overall_score:.3f} "
            f"(quality {c.quality:.3f}, performance {c.performance:.3f}, cost efficiency {eff})"
        ),
        "quality": f"{quality.model} has the highest quality, {quality.component_scores.quality:.3f}",
    }
    if speed is not None:
        reasoning["speed"] = f"{speed.model} has the lowest median latency, {speed.latency_ms:.0f} ms"
    else:
        reasoning["speed"] = "no model reported a latency"
    if cheap is not None:
        reasoning["cost"] = f"{cheap.model} has the lowest known cost, ${cheap.cost_usd:.6f} per item"
    else:
        reasoning["cost"] = "no model has a known price"
    return Recommendation(
        best_overall=best.model,
        best_for_quality=quality.model,
        best_for_speed=speed.model if speed else None,
        best_for_cost=cheap.model if cheap else None,
        reasoning=reasoning,
    )
