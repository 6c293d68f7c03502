"""What a run records of its statistics: per model (on its child run) interval bounds, rank groups, P(best) and
the Bradley–Terry rating under the same names for every model (``quality_ci_low``, ``rank_group`` …); on the
parent, whether statistics ran (a tag) and how many pairs differ."""

from __future__ import annotations

from llmbench.tracking.keys import metric_key
from llmbench.types import ComparisonResult, Interval, ModelStatistics

__all__ = ["model_statistics_values", "run_statistics_values", "statistics_tag"]


def _interval_values(key: str, interval: Interval | None) -> dict[str, float | None]:
    if interval is None:
        return {}
    return {f"{key}_ci_low": interval.low, f"{key}_ci_high": interval.high}


def model_statistics_values(m: ModelStatistics) -> dict[str, float | None]:
    """One model's interval bounds, groups, P(best) and rating; unknown figures (no price) are left out."""
    values: dict[str, float | None] = {"rank_group": m.rank_group, "quality_group": m.quality_group}
    values |= {"p_best": m.p_best, "p_best_quality": m.p_best_quality}
    values |= _interval_values("overall", m.overall) | _interval_values("quality", m.quality)
    values |= _interval_values("latency_p50_ms", m.latency_p50_ms)
    values |= _interval_values("latency_p95_ms", m.latency_p95_ms)
    values |= _interval_values("cost_per_item_usd", m.cost_per_item_usd)
    for name, interval in m.metrics.items():
        values |= _interval_values(metric_key(name), interval)
    if m.rating is not None:
        values |= {"bt_rating": m.rating.estimate} | _interval_values("bt_rating", m.rating)
    return values


def run_statistics_values(result: ComparisonResult) -> dict[str, float | None]:
    """Run-level: whether statistics ran, and how many pairs differ significantly on overall score or quality."""
    report = result.statistics
    values: dict[str, float | None] = {"statistics_enabled": float(report is not None and report.enabled)}
    if report is not None and report.enabled:
        values["n_significant_pairs"] = sum(t.significant for t in report.tests if t.metric in ("overall", "quality"))
    return values


def statistics_tag(result: ComparisonResult) -> str:
    report = result.statistics
    if report is None:
        return "none"
    return "on" if report.enabled else f"off: {report.reason}"
