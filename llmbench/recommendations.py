"""The four recommendations (best overall, for quality, for speed, for cost), each with a reason in numbers.

When statistics ran, a best model that is not significantly better than others is reported as tied with them
("A and B are tied for first"), listed in :attr:`Recommendation.tied`, instead of winning on noise.
"""

from __future__ import annotations

from llmbench.types import Interval, ModelRanking, Recommendation

__all__ = ["recommend", "tied_text"]


def _successful(rankings: list[ModelRanking]) -> list[ModelRanking]:
    return sorted((r for r in rankings if r.success_rate > 0), key=lambda r: r.rank)


def _latency_key(ranking: ModelRanking) -> float:
    return ranking.latency_ms if ranking.latency_ms is not None else float("inf")


def _ci(interval: Interval | None) -> str:
    return "" if interval is None else f" [{interval.low:.3f}, {interval.high:.3f}]"


def tied_text(models: list[str]) -> str:
    """``A and B`` / ``A, B and C``."""
    return models[0] if len(models) == 1 else f"{', '.join(models[:-1])} and {models[-1]}"


def _overall_reason(best: ModelRanking, peers: list[str], n_models: int) -> str:
    c = best.component_scores
    eff = "unknown" if c.cost_efficiency is None else f"{c.cost_efficiency:.3f}"
    figures = (
        f"overall score {best.overall_score:.3f}{_ci(best.overall_interval)} (quality {c.quality:.3f}, "
        f"performance {c.performance:.3f}, cost efficiency {eff})"
    )
    if len(peers) > 1:
        return (
            f"{tied_text(peers)} are tied for first of {n_models}: not significantly different after correction; "
            f"{best.model} has the highest point estimate, {figures}"
        )
    return f"{best.model} ranks 1 of {n_models} with {figures}"


def recommend(rankings: list[ModelRanking]) -> Recommendation:
    """Best model overall, for quality, for speed and for cost, each with a one-line reason with its numbers.

    Ties go to the better-ranked model and are named. best_overall is None when no model has an overall score;
    best_for_cost is None when no successful model has a known cost.
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
    scored = [r for r in models if r.overall_score is not None]
    best = scored[0] if scored else None
    quality = max(models, key=lambda r: r.component_scores.quality)  # max keeps the first (best-ranked) on ties
    timed = [r for r in models if r.latency_ms is not None]
    speed = min(timed, key=_latency_key) if timed else None
    priced = [r for r in models if r.cost_usd is not None]
    cheap = min(priced, key=lambda r: r.cost_usd or 0.0) if priced else None
    tied: dict[str, list[str]] = {}
    if best is not None and best.rank_group is not None:
        peers = [r.model for r in scored if r.rank_group == best.rank_group]
        if len(peers) > 1:
            tied["overall"] = peers
    if quality.quality_group is not None:
        by_quality = sorted(models, key=lambda r: -r.component_scores.quality)
        peers = [r.model for r in by_quality if r.quality_group == quality.quality_group]
        if len(peers) > 1:
            tied["quality"] = peers
    reasoning = {
        "overall": (
            _overall_reason(best, tied.get("overall", []), len(rankings))
            if best is not None
            else 'no model has an overall score: every price is unknown and [ranking] unknown_price = "exclude"'
        ),
    }
    q = f"{quality.component_scores.quality:.3f}{_ci(quality.quality_interval)}"
    if "quality" in tied:
        reasoning["quality"] = (
            f"{tied_text(tied['quality'])} are tied for the highest quality (not significantly different); "
            f"{quality.model} has the highest point estimate, {q}"
        )
    else:
        reasoning["quality"] = f"{quality.model} has the highest quality, {q}"
    if speed is not None:
        reasoning["speed"] = f"{speed.model} has the lowest median latency, {speed.latency_ms:.0f} ms"
    else:
        reasoning["speed"] = "no model reported a latency"
    if cheap is not None:
        reasoning["cost"] = f"{cheap.model} has the lowest known cost, ${cheap.cost_usd:.6f} per item"
    else:
        reasoning["cost"] = "no model has a known price"
    return Recommendation(
        best_overall=best.model if best else None,
        best_for_quality=quality.model,
        best_for_speed=speed.model if speed else None,
        best_for_cost=cheap.model if cheap else None,
        reasoning=reasoning,
        tied=tied,
    )
