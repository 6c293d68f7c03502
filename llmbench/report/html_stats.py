"""The HTML report's statistics and judge sections (the same figures as the Markdown report's, as tables)."""

from __future__ import annotations

from llmbench.report.format import DASH, PRICE_UNKNOWN, interval_text
from llmbench.report.html_parts import e, num, table
from llmbench.report.judge import judge_usage_text
from llmbench.types import ComparisonResult, Interval, StatisticsReport

__all__ = ["judge_section", "statistics_section"]

_TESTS = {"paired-t": "paired t", "mcnemar-exact": "exact McNemar", "bootstrap": "bootstrap", "sign-exact": "sign"}


def _ci(interval: Interval | None, digits: int = 3, prefix: str = "") -> str:
    if interval is None:
        return DASH
    return f"{prefix}{interval.estimate:.{digits}f}<br><span class=dim>{interval_text(interval, digits)}</span>"


def _intervals(report: StatisticsReport) -> str:
    metrics = sorted({name for m in report.models for name in m.metrics})
    headers = ["model", "group", "quality", *metrics, "p50 ms", "p95 ms", "cost/item", "overall", "P(best)", "BT"]
    rows = [
        [
            e(m.model),
            e(m.rank_group if m.rank_group is not None else DASH),
            _ci(m.quality),
            *(_ci(m.metrics.get(name)) for name in metrics),
            _ci(m.latency_p50_ms, 0),
            _ci(m.latency_p95_ms, 0),
            _ci(m.cost_per_item_usd, 6, "$"),
            _ci(m.overall),
            num(m.p_best, 2),
            _ci(m.rating, 0),
        ]
        for m in report.models
    ]
    return table(headers, rows, numeric=set(range(1, len(headers))))


def _groups(report: StatisticsReport) -> str:
    items = []
    for metric, label in (("overall", "Overall score"), ("quality", "Quality")):
        groups = report.groups.get(metric, [])
        if groups:
            text = " &gt; ".join(
                "<span class=tie>(" + ", ".join(e(m) for m in g) + ")</span>" if len(g) > 1 else e(g[0]) for g in groups
            )
            items.append(f"<li><b>{label}:</b> {text}</li>")
    return f"<ul>{''.join(items)}</ul>"


def _tests(report: StatisticsReport) -> str:
    headers = ["metric", "A", "B", "test", "A − B [CI]", "d_z", "p", "p adjusted", "significant", "n", "failed A/B"]
    rows = []
    for t in report.tests:
        difference = DASH if t.difference is None else f"{t.difference:+.3f} [{t.ci_low:+.3f}, {t.ci_high:+.3f}]"
        significant = "<b class=ok>yes</b>" if t.significant else "<span class=dim>no</span>"
        rows.append(
            [
                e(t.metric),
                e(t.model_a),
                e(t.model_b),
                e(_TESTS.get(t.test, t.test)),
                difference,
                num(t.effect_size, 2),
                DASH if t.p_value is None else f"{t.p_value:.3g}",
                DASH if t.p_adjusted is None else f"{t.p_adjusted:.3g}",
                significant,
                str(t.n),
                f"{t.failed_a}/{t.failed_b}",
            ]
        )
    return table(headers, rows, numeric={4, 5, 6, 7, 9, 10})


def _pareto(report: StatisticsReport) -> str:
    frontier = [e(p.model) for p in report.pareto if p.comparable and not p.dominated_by]
    items = [f"<li><b>On the frontier:</b> {', '.join(frontier) or DASH}</li>"]
    for p in report.pareto:
        if p.dominated_by:
            items.append(f"<li>{e(p.model)} is dominated by {e(', '.join(p.dominated_by))}</li>")
        elif not p.comparable:
            items.append(f"<li>{e(p.model)} is not placed: its cost or latency is unknown</li>")
    return f"<ul>{''.join(items)}</ul>"


def statistics_section(result: ComparisonResult) -> str:
    report = result.statistics
    if report is None:
        return ""
    head = "<section id=statistics><h2>Statistics</h2>"
    if not report.enabled:
        pareto = f"<h3>Pareto frontier</h3>{_pareto(report)}" if report.pareto else ""
        return f"{head}<p>No intervals or tests: {e(report.reason)}.</p>{pareto}</section>"
    correction = {"holm": "Holm", "bh": "Benjamini–Hochberg"}.get(report.correction, report.correction)
    intro = (
        f"<p>{1 - report.alpha:.0%} percentile intervals from {report.resamples:,} paired bootstrap resamples of the "
        f"{report.n_items} items (seed {report.seed}); pairwise tests corrected by {e(correction)} at alpha "
        f"{report.alpha:g}. Failed calls count as 0 quality, as in the ranking.</p>"
    )
    return (
        f"{head}{intro}{_intervals(report)}"
        "<h3>Tie groups</h3><p class=dim>Models in one group are not significantly different after correction.</p>"
        f"{_groups(report)}<details><summary><b>Pairwise tests</b> ({len(report.tests)})</summary>{_tests(report)}"
        f"</details><h3>Pareto frontier (quality, cost, latency)</h3>{_pareto(report)}</section>"
    )


def judge_section(result: ComparisonResult) -> str:
    summary = result.judge_usage
    if summary is None:
        return ""
    total = summary.total
    rows = []
    for metric, usage in summary.by_metric.items():
        cost = f"${usage.cost_usd:.6f}" if usage.cost_usd is not None else PRICE_UNKNOWN
        agreed = summary.agreement.get(metric)
        agreement = f"MAD {agreed.mean_abs_deviation:.3f}, identical {agreed.identical_share:.0%}" if agreed else DASH
        rows.append(
            [
                e(metric),
                str(usage.evaluations),
                str(usage.failed_evaluations),
                str(usage.calls),
                str(usage.unparseable),
                f"{usage.input_tokens:,} / {usage.output_tokens:,}",
                e(cost),
                e(agreement),
            ]
        )
    headers = ["metric", "evaluations", "failed", "calls", "unparseable", "tokens in / out", "cost", "agreement"]
    return (
        f"<section id=judge><h2>Judge</h2><p><b>{e(total.model)}</b>: {e(judge_usage_text(total))}. Its cost is a "
        f"separate budget line, not part of any model's cost.</p>{table(headers, rows, numeric={1, 2, 3, 4, 5, 6})}"
        "</section>"
    )
