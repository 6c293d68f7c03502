"""The judge's budget in words and in the Markdown report: a line of its own, never part of a model's cost."""

from __future__ import annotations

from llmbench.report.format import DASH, PRICE_UNKNOWN
from llmbench.report.format import md_cell as _cell
from llmbench.types import ComparisonResult, JudgeUsage

__all__ = ["judge_markdown", "judge_usage_text"]

_ERROR_PREVIEW_CHARS = 300


def judge_usage_text(usage: JudgeUsage) -> str:
    """The judge's budget line in one sentence; an unknown price stays unknown, never $0."""
    cost = f"${usage.cost_usd:.6f}" if usage.cost_usd is not None else PRICE_UNKNOWN
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
        cost = f"${usage.cost_usd:.6f}" if usage.cost_usd is not None else PRICE_UNKNOWN
        agreed = summary.agreement.get(metric)
        agreement = (
            f"MAD {agreed.mean_abs_deviation:.3f}, identical {agreed.identical_share:.0%} ({agreed.items} answers)"
            if agreed is not None
            else DASH
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
