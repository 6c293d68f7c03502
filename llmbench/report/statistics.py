"""The "Statistics" section of the Markdown report: intervals, tie groups, corrected pairwise tests,
Bradley–Terry ratings, the Pareto frontier and how many items an inconclusive comparison would need.

Every figure comes from the :class:`~llmbench.types.StatisticsReport` of the result; nothing is recomputed here.
"""

from __future__ import annotations

from llmbench.report.format import DASH, interval_text, md_cell
from llmbench.types import ComparisonResult, Interval, StatisticsReport

__all__ = ["statistics_section"]

_DASH = DASH
_TESTS = {
    "paired-t": "paired t",
    "mcnemar-exact": "exact McNemar",
    "bootstrap": "bootstrap SE, t",
    "sign-exact": "exact sign",
    "none": _DASH,
}


def _with_ci(interval: Interval | None, digits: int = 3, prefix: str = "") -> str:
    if interval is None:
        return _DASH
    return f"{prefix}{interval.estimate:.{digits}f} {interval_text(interval, digits)}"


def _p(value: float | None) -> str:
    return _DASH if value is None else f"{value:.3g}"


def _intervals(report: StatisticsReport) -> list[str]:
    metrics = sorted({name for m in report.models for name in m.metrics})
    header = ["Model", "Quality", *metrics, "p50 ms", "p95 ms", "Cost per item", "Overall", "P(best)", "Bradley–Terry"]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    for m in report.models:
        cells = [
            f"`{md_cell(m.model)}`",
            _with_ci(m.quality),
            *(_with_ci(m.metrics.get(name)) for name in metrics),
            _with_ci(m.latency_p50_ms, 0),
            _with_ci(m.latency_p95_ms, 0),
            _with_ci(m.cost_per_item_usd, 6, "$"),
            _with_ci(m.overall),
            _DASH if m.p_best is None else f"{m.p_best:.2f}",
            _with_ci(m.rating, 0),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _groups(report: StatisticsReport) -> list[str]:
    lines = []
    for metric, label in (("overall", "Overall score"), ("quality", "Quality")):
        groups = report.groups.get(metric, [])
        if groups:
            text = " > ".join("(" + ", ".join(f"`{m}`" for m in g) + ")" if len(g) > 1 else f"`{g[0]}`" for g in groups)
            lines.append(f"- **{label}:** {text}")
    return lines


def _tests(report: StatisticsReport) -> list[str]:
    lines = [
        "| Metric | A | B | Test | A − B [CI] | d_z | p | p adjusted | Significant | n | Failed A/B | Wilcoxon p |",
        "|---|---|---|---|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for t in report.tests:
        difference = _DASH if t.difference is None else f"{t.difference:+.3f} [{t.ci_low:+.3f}, {t.ci_high:+.3f}]"
        wilcoxon = _DASH if t.wilcoxon_p is None else f"{t.wilcoxon_p:.3g} ({t.wilcoxon_method})"
        lines.append(
            f"| {t.metric} | {md_cell(t.model_a)} | {md_cell(t.model_b)} | {_TESTS.get(t.test, t.test)} | {difference} "
            f"| {_DASH if t.effect_size is None else f'{t.effect_size:.2f}'} | {_p(t.p_value)} | {_p(t.p_adjusted)} "
            f"| {'yes' if t.significant else 'no'} | {t.n} | {t.failed_a}/{t.failed_b} | {wilcoxon} |"
        )
    return lines


def _pareto(report: StatisticsReport) -> list[str]:
    frontier = [f"`{p.model}`" for p in report.pareto if p.comparable and not p.dominated_by]
    lines = [f"- **On the frontier:** {', '.join(frontier) or _DASH}"]
    for p in report.pareto:
        if p.dominated_by:
            by = ", ".join(f"`{m}`" for m in p.dominated_by)
            lines.append(f"- `{p.model}` is dominated by {by} (as good or better on quality, cost and latency)")
        elif not p.comparable:
            lines.append(f"- `{p.model}` is not placed: its cost or latency is unknown")
    return lines


def _power(report: StatisticsReport) -> list[str]:
    lines = []
    for t in report.tests:
        if t.significant or t.metric not in ("overall", "quality") or t.difference is None:
            continue
        if t.items_needed is None:
            need = "no number of items would tell them apart" if t.difference == 0 else "more than 10 million items"
        else:
            need = f"about {t.items_needed:,} items"
        lines.append(
            f"- `{t.model_a}` vs `{t.model_b}` on {t.metric}: inconclusive with {t.n} items (difference "
            f"{t.difference:+.3f}); {need} would detect it with {report.power:.0%} power"
        )
    return lines


def statistics_section(result: ComparisonResult) -> list[str]:
    """The section, or one line saying why there are no statistics."""
    report = result.statistics
    if report is None:
        return []
    lines = ["", "## Statistics", ""]
    pareto = ["", "### Pareto frontier (quality, cost, latency)", "", *_pareto(report)] if report.pareto else []
    if not report.enabled:
        return [*lines, f"No intervals or tests: {report.reason}.", *pareto]
    lines += [
        f"{1 - report.alpha:.0%} percentile intervals from {report.resamples:,} paired bootstrap resamples of the "
        f"{report.n_items} items (seed {report.seed}). Failed calls count as 0 quality, as in the ranking.",
        "",
        *_intervals(report),
        "",
        "### Tie groups",
        "",
        "Models in one group are not significantly different after correction; groups are in rank order.",
        "",
        *_groups(report),
        "",
        "### Pairwise tests",
        "",
        *_tests(report),
        *pareto,
    ]
    power = _power(report)
    if power:
        lines += ["", "### Inconclusive comparisons", "", *power]
    return lines
