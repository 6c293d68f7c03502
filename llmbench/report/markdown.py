"""The Markdown report of one comparison: the Prefect artifact, MLflow's report.md and ``llmbench report``.

One renderer serves the CLI, Prefect artifacts and MLflow, so every surface says the same thing. Unknown figures
stay visibly unknown ("—", "price unknown"): a missing price is never printed as $0.
"""

from __future__ import annotations

from llmbench.pricing import spend_summary
from llmbench.report.format import (
    DASH,
    cost_text,
    group_text,
    interval_text,
    md_cell,
    money,
    ms,
    n_items,
    num,
    simulated_models,
)
from llmbench.report.items import items_markdown
from llmbench.report.judge import judge_markdown
from llmbench.report.metrics import metric_coverage
from llmbench.report.statistics import statistics_section
from llmbench.report.summary import subject
from llmbench.types import ComparisonResult, ModelRanking, ModelResult, StatisticsReport

__all__ = ["render_markdown"]

_ERROR_PREVIEW_CHARS = 300
_DASH = DASH


def _statistics_line(report: StatisticsReport | None) -> str:
    if report is None:
        return _DASH
    if not report.enabled:
        return f"off — {report.reason}"
    correction = {"holm": "Holm", "bh": "Benjamini–Hochberg"}.get(report.correction, report.correction)
    return (
        f"{1 - report.alpha:.0%} intervals from {report.resamples:,} paired bootstrap resamples over items "
        f"(seed {report.seed}); pairwise tests corrected by {correction} at alpha {report.alpha:g}"
    )


def _header(result: ComparisonResult, title: str | None) -> list[str]:
    w = result.weights
    o = result.ranking_options
    lines = [
        f"# {title or f'llmbench report: {subject(result)}'}",
        "",
        f"- **Comparison:** `{result.comparison_id}` ({result.created_at:%Y-%m-%d %H:%M:%S %Z})",
        f"- **Models ({len(result.models)}):** {', '.join(f'`{m}`' for m in result.models)}",
        f"- **Items:** {n_items(result)}",
        f"- **Metrics:** {', '.join(result.metrics) or _DASH}",
        f"- **Weights:** quality {w.quality:g} · performance {w.performance:g} · cost {w.cost:g} "
        f"(latency normalisation {o.normalisation}, unknown price {o.unknown_price})",
        f"- **Statistics:** {_statistics_line(result.statistics)}",
        f"- **Duration:** {result.duration_ms / 1000:.1f} s",
    ]
    simulated = simulated_models(result)
    if simulated:
        lines += [
            "",
            f"> **SIMULATED** — results of {', '.join(f'`{m}`' for m in simulated)} come from simulated models; "
            "they are not measurements of real LLMs.",
        ]
    if not result.complete:
        missing = ", ".join(f"`{m}`" for m in result.incomplete_models) or "some models"
        lines += ["", f"> **Warning: incomplete run** — {missing} did not finish; their figures are partial."]
    return [*lines, *_durability(result)]


def _durability(result: ComparisonResult) -> list[str]:
    """Run id, answers cut by max_tokens, and what the cache saved: shown only when they apply."""
    lines: list[str] = []
    if result.run_id:
        lines.append(f"- **Run:** `{result.run_id}` (resume with `--resume {result.run_id}`)")
    truncated = [r for r in result.results if r.truncated]
    if truncated:
        models = ", ".join(f"`{m}`" for m in sorted({r.model for r in truncated}))
        lines.append(
            f"- **Truncated answers:** {len(truncated)} cut by max_tokens ({models}); kept and scored as given"
        )
    spend = spend_summary(result.results)
    if spend.n_cached:
        lines.append(
            f"- **Cache:** {spend.n_cached} answers reused (original cost {money(spend.cached_usd)}, not spent "
            f"again); spent {money(spend.spent_usd)} on {spend.n_called} answers called"
        )
    return ["", *lines] if lines else []


def _winner(result: ComparisonResult) -> list[str]:
    lines = ["", "## Winner", ""]
    if result.winner is None:
        return [*lines, "No winner: no model answered successfully."]
    reason = result.recommendations.reasoning.get("overall") if result.recommendations else None
    return [*lines, f"**{result.winner}**" + (f" — {reason}" if reason else "")]


def _ranking_cells(r: ModelRanking, rankings: list[ModelRanking], stats: bool) -> list[str]:
    c = r.component_scores
    return [
        str(r.rank),
        md_cell(r.model),
        *([group_text(r, rankings)] if stats else []),
        num(r.overall_score),
        *([interval_text(r.overall_interval), num(r.p_best, 2)] if stats else []),
        f"{c.quality:.3f}",
        *([interval_text(r.quality_interval)] if stats else []),
        f"{c.performance:.3f}",
        num(c.cost_efficiency),
        ms(r.latency_ms),
        ms(r.latency_p95_ms),
        cost_text(r),
        f"{r.success_rate:.0%} ({r.n_items - r.n_failed}/{r.n_items})",
    ]


def _ranking_table(result: ComparisonResult) -> list[str]:
    rankings = sorted(result.rankings, key=lambda x: x.rank)
    stats = result.statistics is not None and result.statistics.enabled
    columns = [
        "Rank",
        "Model",
        *(["Group"] if stats else []),
        "Overall",
        *(["Overall CI", "P(best)"] if stats else []),
        "Quality",
        *(["Quality CI"] if stats else []),
        "Performance",
        "Cost efficiency",
        "Median latency ms",
        "p95 latency ms",
        "Cost per item",
        "Success rate",
    ]
    lines = ["", "## Ranking", "", "| " + " | ".join(columns) + " |", "|---:|---|" + "---:|" * (len(columns) - 2)]
    lines += ["| " + " | ".join(_ranking_cells(r, rankings, stats)) + " |" for r in rankings]
    if not rankings:
        lines.append("| — | no ranking |" + " |" * (len(columns) - 2))
    if stats and result.statistics is not None:
        lines += ["", *_tie_lines(result.statistics)]
    traits = [r for r in rankings if r.strengths or r.weaknesses]
    if traits:
        lines.append("")
        for r in traits:
            strengths = ", ".join(r.strengths) or _DASH
            weaknesses = ", ".join(r.weaknesses) or _DASH
            lines.append(f"- `{r.model}`: strengths {strengths}; weaknesses {weaknesses}")
    return lines


def _tie_lines(report: StatisticsReport) -> list[str]:
    lines = []
    for metric, label in (("overall", "overall score"), ("quality", "quality")):
        tied = [g for g in report.groups.get(metric, []) if len(g) > 1]
        if tied:
            text = "; ".join(" and ".join(f"`{m}`" for m in g) for g in tied)
            lines.append(f"Tied on {label} (not significantly different after correction): {text}.")
        elif report.groups.get(metric):
            lines.append(f"On {label}, every model differs significantly from the others.")
    return lines


def _recommendations(result: ComparisonResult) -> list[str]:
    rec = result.recommendations
    if rec is None:
        return []
    lines = ["", "## Recommendations", ""]
    for label, model, key in (
        ("Best overall", rec.best_overall, "overall"),
        ("Best for quality", rec.best_for_quality, "quality"),
        ("Best for speed", rec.best_for_speed, "speed"),
        ("Best for cost", rec.best_for_cost, "cost"),
    ):
        reason = rec.reasoning.get(key)
        name = f"`{model}`" if model else _DASH
        lines.append(f"- **{label}:** {name}" + (f" — {reason}" if reason else ""))
    return lines


def _analysis(result: ComparisonResult) -> list[str]:
    a = result.analysis
    if a is None:
        return []
    lines = ["", "## Analysis", "", a.summary]
    if a.key_findings:
        lines += ["", "### Key findings", ""]
        lines += [f"- **{f.category}:** {f.description}" for f in a.key_findings]
    if a.mean_agreement is not None:
        lines += ["", f"Mean agreement between answers: {a.mean_agreement:.2f}"]
    for heading, entries in (("Consensus", a.consensus_areas), ("Divergence", a.divergence_areas)):
        if entries:
            lines += ["", f"### {heading}", ""]
            lines += [f"- {e}" for e in entries]
    return lines


def _failures(results: list[ModelResult]) -> list[str]:
    failed = [r for r in results if not r.success]
    lines = ["", f"## Failures ({len(failed)})", ""]
    if not failed:
        return [*lines, "No failed calls."]
    lines += ["| Model | Item | Error type | Error |", "|---|---|---|---|"]
    for r in sorted(failed, key=lambda x: (x.model, x.item_id)):
        error = md_cell(r.error or "", _ERROR_PREVIEW_CHARS) or _DASH
        lines.append(f"| {md_cell(r.model)} | {md_cell(r.item_id)} | {md_cell(r.error_type or _DASH)} | {error} |")
    return lines


def _metrics(result: ComparisonResult) -> list[str]:
    """Each metric's mean per model, and where a metric did not apply or failed to score."""
    rankings = sorted(result.rankings, key=lambda x: x.rank)
    coverage = metric_coverage(result)
    if not rankings or not coverage:
        return []
    names = list(coverage)
    lines = ["", "## Metrics", "", "Mean score per model over the answers each metric scored.", ""]
    lines += ["| Model | " + " | ".join(md_cell(n) for n in names) + " |", "|---|" + "---:|" * len(names)]
    for r in rankings:
        lines.append(f"| {md_cell(r.model)} | " + " | ".join(num(r.metrics.get(n)) for n in names) + " |")
    notes = [c.text() for c in coverage.values() if c.not_applicable or c.failed]
    if notes:
        lines += ["", *(f"- {note}" for note in notes)]
    return lines


def render_markdown(result: ComparisonResult, *, title: str | None = None) -> str:
    """The full human-readable report of one comparison.

    A single prompt's answers follow the recommendations (they are what a reader compares); a benchmark's
    answers by item come last, after the figures that summarise them.
    """
    answers = items_markdown(result)
    single = n_items(result) == 1
    lines = [
        *_header(result, title),
        *_winner(result),
        *_ranking_table(result),
        *_recommendations(result),
        *(answers if single else []),
        *_metrics(result),
        *statistics_section(result),
        *_analysis(result),
        *_failures(result.results),
        *judge_markdown(result),
        *([] if single else answers),
    ]
    return "\n".join(lines) + "\n"
