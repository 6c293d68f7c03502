"""Flat rows for tables (the Prefect ranking artifact, the MLflow per-item table): rounded, unknowns None.

Rounded for reading (scores to 4 decimals, latency to 0.1 ms, money to 4 significant figures); the exact values
stay in ``comparison.json``.
"""

from __future__ import annotations

from llmbench.evaluators import item_quality
from llmbench.report.format import excerpt, score_names, sig
from llmbench.types import ComparisonResult, DatasetItem, ModelResult

__all__ = ["RESPONSE_PREVIEW_CHARS", "item_rows", "ranking_rows", "reference_text"]

#: Longest response, prompt or reference kept in a per-item row; whole answers belong in comparison.json.
RESPONSE_PREVIEW_CHARS = 300

Row = dict[str, str | float | int | None]


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def ranking_rows(result: ComparisonResult) -> list[Row]:
    """One flat row per ranked model, in rank order; unknown figures are None, never 0."""
    rows: list[Row] = []
    for r in sorted(result.rankings, key=lambda x: x.rank):
        c = r.component_scores
        overall, quality = r.overall_interval, r.quality_interval
        rows.append(
            {
                "rank": r.rank,
                "group": r.rank_group,
                "model": r.model,
                "overall": _r(r.overall_score),
                "overall_ci_low": None if overall is None else _r(overall.low),
                "overall_ci_high": None if overall is None else _r(overall.high),
                "p_best": _r(r.p_best),
                "quality": _r(c.quality),
                "quality_ci_low": None if quality is None else _r(quality.low),
                "quality_ci_high": None if quality is None else _r(quality.high),
                "performance": _r(c.performance),
                "cost_efficiency": _r(c.cost_efficiency),
                "latency_p50_ms": _r(r.latency_ms, 1),
                "latency_p95_ms": _r(r.latency_p95_ms, 1),
                "cost_per_item_usd": sig(r.cost_usd),
                "price": "known" if r.price_known else "unknown",
                "success_rate": _r(r.success_rate),
                "n_items": r.n_items,
                "n_failed": r.n_failed,
            }
        )
    return rows


def reference_text(item: DatasetItem | None) -> str | None:
    """The correct references of an item on one line, or None when it has none."""
    if item is None or not item.correct_references:
        return None
    return " | ".join(item.correct_references)


def item_rows(result: ComparisonResult) -> list[Row]:
    """One row per (model, item) call, failures included, with every score column present (None when absent).

    ``quality`` is the item's quality as the ranking counts it (a failed call 0); ``not_applicable`` names the
    metrics that could not run on the item and ``eval_errors`` those that failed to score the answer.
    """
    names = score_names(result)
    items = {item.id: item for item in result.items}
    rows: list[Row] = []
    for r in result.results:
        item = items.get(r.item_id)
        row: Row = {
            "model": r.model,
            "item_id": r.item_id,
            "prompt": excerpt(item.prompt, RESPONSE_PREVIEW_CHARS) if item else None,
            "reference": excerpt(reference_text(item), RESPONSE_PREVIEW_CHARS) if reference_text(item) else None,
            "response": excerpt(r.response, RESPONSE_PREVIEW_CHARS) if r.response is not None else None,
            "success": r.success,
            "quality": _r(item_quality(r.scores) if r.success else 0.0),
        }
        for name in names:
            row[name] = _r(r.scores.get(name))
        row |= {
            "not_applicable": ", ".join(r.not_applicable) or None,
            "latency_ms": _r(r.latency_ms, 1),
            "cost_usd": sig(r.cost_usd),
            "price_known": r.price_known,
            "simulated": r.simulated,
            "attempts": r.attempts,
            "truncated": r.truncated,
            "cached": r.cached,
        }
        if result.judge_usage is not None:  # judged runs: the judge's cost of this answer
            row["judge_cost_usd"] = _judge_cost(r)
        failed = "; ".join(f"{metric}: {e.error_type}" for metric, e in sorted(r.eval_errors.items()))
        row["eval_errors"] = failed or None
        row["error_type"] = r.error_type
        row["error"] = r.error
        rows.append(row)
    return rows


def _judge_cost(r: ModelResult) -> float | None:
    """What judging this answer cost; None when a price is unknown or no judge call returned usage."""
    costs = [u.cost_usd for u in r.judge_usage.values()]
    return sig(sum(c for c in costs if c is not None)) if costs and None not in costs else None
