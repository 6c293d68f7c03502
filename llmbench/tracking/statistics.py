"""What a run records of its statistics: interval bounds, rank groups, P(best) and Bradley–Terry ratings as
metrics (``<model>.quality_ci_low`` …), and whether statistics ran as a tag."""

from __future__ import annotations

from llmbench.tracking.keys import metric_key
from llmbench.types import ComparisonResult, Interval

__all__ = ["statistics_tag", "statistics_values"]


def _interval_values(key: str, interval: Interval | None) -> dict[str, float | None]:
    if interval is None:
        return {}
    return {f"{key}_ci_low": interval.low, f"{key}_ci_high": interval.high}


def statistics_values(result: ComparisonResult, keys: dict[str, str]) -> dict[str, float | None]:
    """Interval bounds, rank groups, P(best) and Bradley–Terry ratings per model (nothing without statistics)."""
    report = result.statistics
    values: dict[str, float | None] = {"statistics_enabled": float(report is not None and report.enabled)}
    if report is None or not report.enabled:
        return values
    values["n_significant_pairs"] = sum(t.significant for t in report.tests if t.metric in ("overall", "quality"))
    for m in report.models:
        k = keys[m.model]
        values |= {f"{k}.rank_group": m.rank_group, f"{k}.quality_group": m.quality_group, f"{k}.p_best": m.p_best}
        values |= _interval_values(f"{k}.overall", m.overall) | _interval_values(f"{k}.quality", m.quality)
        values |= _interval_values(f"{k}.latency_p50_ms", m.latency_p50_ms)
        values |= _interval_values(f"{k}.latency_p95_ms", m.latency_p95_ms)
        values |= _interval_values(f"{k}.cost_per_item_usd", m.cost_per_item_usd)
        for name, interval in m.metrics.items():
            values |= _interval_values(f"{k}.{metric_key(name)}", interval)
        if m.rating is not None:
            values |= {f"{k}.bt_rating": m.rating.estimate} | _interval_values(f"{k}.bt_rating", m.rating)
    return values


def statistics_tag(result: ComparisonResult) -> str:
    report = result.statistics
    if report is None:
        return "none"
    return "on" if report.enabled else f"off: {report.reason}"
