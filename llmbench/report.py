"""Turn a ComparisonResult into what people read: a Markdown report and flat rows for tables.

One renderer serves the CLI, Prefect artifacts and MLflow, so every surface says the same thing. Unknown figures
stay visibly unknown ("—", "price unknown"): a missing price is never printed as $0.
"""

from __future__ import annotations

from llmbench.pricing import spend_summary
from llmbench.report_statistics import interval_text, statistics_section
from llmbench.types import ComparisonResult, JudgeUsage, ModelRanking, ModelResult, StatisticsReport

__all__ = [
    "RESPONSE_PREVIEW_CHARS",
    "cost_text",
    "group_text",
    "interval_text",
    "item_rows",
    "judge_markdown",
    "judge_usage_text",
    "ranking_rows",
    "render_markdown",
]

#: Longest response kept in a per-item row; whole answers belong in comparison.json.
RESPONSE_PREVIEW_CHARS = 300
_ERROR_PREVIEW_CHARS = 300
_DASH = "—"
_PRICE_UNKNOWN = "price unknown"

Row = dict[str, str | float | int | None]


def _num(value: float | None, digits: int = 3) -> str:
    return _DASH if value is None else f"{value:.{digits}f}"


def _ms(value: float | None) -> str:
    return _DASH if value is None else f"{value:.0f}"


def group_text(ranking: ModelRanking, rankings: list[ModelRanking]) -> str:
    """The rank group, with "=" when another model shares it (a tie); the position when there are no groups."""
    if ranking.rank_group is None:
        return str(ranking.rank)
    shared = sum(1 for r in rankings if r.rank_group == ranking.rank_group) > 1
    return f"{ranking.rank_group}{'=' if shared else ''}"


def cost_text(ranking: ModelRanking) -> str:
    """Cost per item as every view shows it: dollars, "price unknown", or a dash when nothing was measured."""
    if ranking.cost_usd is not None:
        return f"${ranking.cost_usd:.6f}"
    # Known price but no successful call: the cost is not measured, which is different from an unknown price.
    return _PRICE_UNKNOWN if not ranking.price_known else _DASH


def _cell(text: object, limit: int | None = None) -> str:
    """One Markdown table cell: single line, pipes escaped, optionally shortened."""
    value = " ".join(str(text).split())
    if limit is not None and len(value) > limit:
        value = value[: limit - 1] + "…"
    return value.replace("|", "\\|")


def _truncate(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def _n_items(result: ComparisonResult) -> int:
    return len(result.items) if result.items else len({r.item_id for r in result.results})


def _simulated_models(result: ComparisonResult) -> list[str]:
    return sorted({r.model for r in result.results if r.simulated})


def _score_names(result: ComparisonResult) -> list[str]:
    """Metrics configured first, then any other score seen, so every row has the same columns."""
    names = list(result.metrics)
    for r in result.results:
        names.extend(k for k in r.scores if k not in names)
    return names


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
                "overall": None if r.overall_score is None else round(r.overall_score, 4),
                "overall_ci_low": None if overall is None else round(overall.low, 4),
                "overall_ci_high": None if overall is None else round(overall.high, 4),
                "p_best": None if r.p_best is None else round(r.p_best, 4),
                "quality": round(c.quality, 4),
                "quality_ci_low": None if quality is None else round(quality.low, 4),
                "quality_ci_high": None if quality is None else round(quality.high, 4),
                "performance": round(c.performance, 4),
                "cost_efficiency": None if c.cost_efficiency is None else round(c.cost_efficiency, 4),
                "latency_p50_ms": r.latency_ms,
                "latency_p95_ms": r.latency_p95_ms,
                "cost_per_item_usd": r.cost_usd,
                "price": "known" if r.price_known else "unknown",
                "success_rate": round(r.success_rate, 4),
                "n_items": r.n_items,
                "n_failed": r.n_failed,
            }
        )
    return rows


def item_rows(result: ComparisonResult) -> list[Row]:
    """One row per (model, item) call, failures included, with every score column present (None when absent)."""
    names = _score_names(result)
    rows: list[Row] = []
    for r in result.results:
        row: Row = {
            "model": r.model,
            "item_id": r.item_id,
            "success": r.success,
            "latency_ms": r.latency_ms,
            "cost_usd": r.cost_usd,
            "price_known": r.price_known,
            "simulated": r.simulated,
            "attempts": r.attempts,
            "truncated": r.truncated,
            "cached": r.cached,
        }
        for name in names:
            row[name] = r.scores.get(name)
        if result.judge_usage is not None:  # judged runs: the judge's cost of this answer and its failed verdicts
            row.update(_judge_cells(r))
        row["error_type"] = r.error_type
        row["error"] = r.error
        row["response"] = _truncate(r.response, RESPONSE_PREVIEW_CHARS)
        rows.append(row)
    return rows


def _judge_cells(r: ModelResult) -> Row:
    costs = [u.cost_usd for u in r.judge_usage.values()]
    failed = "; ".join(f"{metric}: {e.error_type}" for metric, e in sorted(r.eval_errors.items()))
    return {
        "judge_cost_usd": sum(c for c in costs if c is not None) if costs and None not in costs else None,
        "eval_errors": failed or None,
    }


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
        f"# {title or f'llmbench report: {result.name}'}",
        "",
        f"- **Comparison:** `{result.comparison_id}` ({result.created_at:%Y-%m-%d %H:%M:%S %Z})",
        f"- **Models ({len(result.models)}):** {', '.join(f'`{m}`' for m in result.models)}",
        f"- **Items:** {_n_items(result)}",
        f"- **Metrics:** {', '.join(result.metrics) or _DASH}",
        f"- **Weights:** quality {w.quality:g} · performance {w.performance:g} · cost {w.cost:g} "
        f"(latency normalisation {o.normalisation}, unknown price {o.unknown_price})",
        f"- **Statistics:** {_statistics_line(result.statistics)}",
        f"- **Duration:** {result.duration_ms / 1000:.1f} s",
    ]
    simulated = _simulated_models(result)
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


def _money(value: float | None) -> str:
    return _PRICE_UNKNOWN if value is None else f"${value:.6f}"


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
            f"- **Cache:** {spend.n_cached} answers reused (original cost {_money(spend.cached_usd)}, not spent "
            f"again); spent {_money(spend.spent_usd)} on {spend.n_called} answers called"
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
        _cell(r.model),
        *([group_text(r, rankings)] if stats else []),
        _num(r.overall_score),
        *([interval_text(r.overall_interval), _num(r.p_best, 2)] if stats else []),
        f"{c.quality:.3f}",
        *([interval_text(r.quality_interval)] if stats else []),
        f"{c.performance:.3f}",
        _num(c.cost_efficiency),
        _ms(r.latency_ms),
        _ms(r.latency_p95_ms),
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
        error = _cell(r.error or "", _ERROR_PREVIEW_CHARS) or _DASH
        lines.append(f"| {_cell(r.model)} | {_cell(r.item_id)} | {_cell(r.error_type or _DASH)} | {error} |")
    return lines


def judge_usage_text(usage: JudgeUsage) -> str:
    """The judge's budget line in one sentence; an unknown price stays unknown, never $0."""
    cost = f"${usage.cost_usd:.6f}" if usage.cost_usd is not None else _PRICE_UNKNOWN
    if usage.failed_calls and usage.cost_usd is not None:
        cost += f" for the answered calls ({usage.failed_calls} failed calls returned no usage to price)"
    rate = usage.parse_failure_rate
    return (
        f"{usage.evaluations} evaluations ({usage.failed_evaluations} failed), {usage.calls} judge calls "
        f"({usage.failed_calls} failed, {usage.unparseable} unparseable"
        f"{f', parse failures {rate:.1%}' if rate is not None else ''}), "
        f"{usage.input_tokens} tokens in / {usage.output_tokens} out, cost {cost}"
    )


def judge_markdown(result: ComparisonResult) -> list[str]:
    """The judge section: its own cost line (not in the models' cost), failures per metric, repeat agreement."""
    summary = result.judge_usage
    if summary is None:
        return []
    total = summary.total
    lines = [
        "",
        "## Judge",
        "",
        f"- **Judge:** `{total.model}` — its cost is a separate budget line, not part of any model's cost.",
        f"- **Total:** {judge_usage_text(total)}",
        "",
        "| Metric | Evaluations | Failed | Calls | Unparseable | Tokens in | Tokens out | Cost | Repeat agreement |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for metric, usage in summary.by_metric.items():
        cost = f"${usage.cost_usd:.6f}" if usage.cost_usd is not None else _PRICE_UNKNOWN
        agreed = summary.agreement.get(metric)
        agreement = (
            f"MAD {agreed.mean_abs_deviation:.3f}, identical {agreed.identical_share:.0%} ({agreed.items} answers)"
            if agreed is not None
            else _DASH
        )
        lines.append(
            f"| {_cell(metric)} | {usage.evaluations} | {usage.failed_evaluations} | {usage.calls} "
            f"| {usage.unparseable} | {usage.input_tokens} | {usage.output_tokens} | {cost} | {agreement} |"
        )
    failed = [(r, m, e) for r in result.results for m, e in sorted(r.eval_errors.items())]
    if failed:
        lines += ["", "| Model | Item | Metric | Error type | Error |", "|---|---|---|---|---|"]
        for r, metric, error in sorted(failed, key=lambda x: (x[0].model, x[0].item_id, x[1])):
            message = _cell(error.message, _ERROR_PREVIEW_CHARS)
            lines.append(
                f"| {_cell(r.model)} | {_cell(r.item_id)} | {_cell(metric)} | {_cell(error.error_type)} | {message} |"
            )
    return lines


def render_markdown(result: ComparisonResult, *, title: str | None = None) -> str:
    """The full human-readable report of one comparison."""
    lines = [
        *_header(result, title),
        *_winner(result),
        *_ranking_table(result),
        *_recommendations(result),
        *statistics_section(result),
        *_analysis(result),
        *_failures(result.results),
        *judge_markdown(result),
    ]
    return "\n".join(lines) + "\n"
