"""The answers in the Markdown report: what each item asked and what each model answered, with its scores.

A single-prompt comparison shows the figures side by side (one column per model) and every answer in full; a
benchmark shows each item with its figures per model and an excerpt of every answer. Answers are never put in
table cells: Prefect's Markdown tables do not wrap, so one long answer made a table pages wide. A failed call, a
truncated or cached answer, a metric that does not apply ("n/a") and one that failed to score ("failed") are
written out, never left blank.
"""

from __future__ import annotations

from collections.abc import Sequence

from llmbench.evaluators import item_quality
from llmbench.report.format import DASH, md_cell, money, ms, row_notes, score_names
from llmbench.types import ComparisonResult, DatasetItem, ModelResult

__all__ = ["ANSWER_EXCERPT_CHARS", "MARKDOWN_ITEMS", "item_groups", "items_markdown", "score_cell"]

#: Items written out in a benchmark's Markdown report; every answer stays in comparison.json and the HTML report.
MARKDOWN_ITEMS = 50
ANSWER_EXCERPT_CHARS = 200
_CONTEXT_EXCERPT_CHARS = 300
_PROMPT_EXCERPT_CHARS = 500


def score_cell(row: ModelResult, metric: str) -> str:
    """A score to two decimals, "n/a" where the metric cannot run on the item, "failed" where it failed to score."""
    if metric in row.scores:
        return f"{row.scores[metric]:.2f}"
    if metric in row.not_applicable:
        return "n/a"
    if metric in row.eval_errors:
        return f"failed ({row.eval_errors[metric].error_type})"
    return DASH


def quality_cell(row: ModelResult) -> str:
    """The item's quality as the ranking counts it: a failed call scores 0."""
    return f"{item_quality(row.scores):.2f}" if row.success else "0 (failed)"


def item_groups(result: ComparisonResult) -> list[tuple[str, DatasetItem | None, list[ModelResult]]]:
    """(item id, item, its rows in rank order) in dataset order; rows of unknown items come last."""
    rank = {r.model: r.rank for r in result.rankings}
    by_item: dict[str, list[ModelResult]] = {}
    for row in result.results:
        by_item.setdefault(row.item_id, []).append(row)
    items = {item.id: item for item in result.items}
    order = [i.id for i in result.items if i.id in by_item] + sorted(set(by_item) - set(items))
    return [
        (i, items.get(i), sorted(by_item[i], key=lambda r: (rank.get(r.model, len(rank) + 1), r.model))) for i in order
    ]


def _item_lines(item: DatasetItem | None, context_limit: int) -> list[str]:
    if item is None:
        return []
    lines = [f"- **Prompt:** {md_cell(item.prompt, _PROMPT_EXCERPT_CHARS)}"]
    if item.context:
        lines.append(f"- **Context:** {md_cell(item.context, context_limit)}")
    if item.correct_references:
        lines.append("- **Reference:** " + " · ".join(md_cell(ref, 300) for ref in item.correct_references))
    if item.incorrect_references:
        lines.append("- **Known wrong:** " + " · ".join(md_cell(ref, 300) for ref in item.incorrect_references))
    return lines


def _answer_text(row: ModelResult, limit: int) -> str:
    if not row.success:
        error = f"{row.error_type or 'error'}: {row.error or ''}"
        return f"**failed:** {md_cell(error, limit)}"
    return md_cell(row.response, limit) if row.response else DASH


def _quote(row: ModelResult) -> list[str]:
    """A whole answer as a block quote: it wraps in every renderer (table cells do not in Prefect's), keeps its
    line breaks, and its ``<``/``>`` are entities so no renderer takes model output for HTML."""
    if not row.success or not row.response:
        return [f"> {_answer_text(row, 300)}"]
    text = row.response.strip().replace("<", "&lt;").replace(">", "&gt;")
    return [f"> {line}".rstrip() for line in text.splitlines()]


def _notes(row: ModelResult) -> str:
    notes = [n for n in row_notes(row) if not n.startswith("failed")]
    notes += [f"{metric} failed: {e.error_type}" for metric, e in sorted(row.eval_errors.items())]
    return md_cell("; ".join(notes)) or DASH


def _side_by_side(result: ComparisonResult, item: DatasetItem | None, rows: Sequence[ModelResult]) -> list[str]:
    """The figures side by side (one column per model), then every answer in full, in rank order: a single
    prompt is read by comparing the answers themselves."""
    metrics = score_names(result)
    header = "| | " + " | ".join(f"`{md_cell(r.model)}`" for r in rows) + " |"
    table = [header, "|---|" + "---:|" * len(rows)]

    def line(label: str, cells: Sequence[str]) -> str:
        return f"| **{label}** | " + " | ".join(cells) + " |"

    table += [
        line("Quality", [quality_cell(r) for r in rows]),
        *(line(md_cell(m), [score_cell(r, m) for r in rows]) for m in metrics),
        line("Latency ms", [ms(r.latency_ms) for r in rows]),
        line("Cost", [DASH if r.cost_usd is None else money(r.cost_usd) for r in rows]),
        line("Notes", [_notes(r) for r in rows]),
    ]
    answers: list[str] = []
    for r in rows:
        answers += ["", f"#### `{md_cell(r.model)}` — quality {quality_cell(r)}", "", *_quote(r)]
    return ["", "## Answers", "", *_item_lines(item, 2000), "", *table, *answers]


def _item_block(
    result: ComparisonResult, item_id: str, item: DatasetItem | None, rows: Sequence[ModelResult]
) -> list[str]:
    metrics = score_names(result)
    header = ["Model", "Quality", *(md_cell(m) for m in metrics), "ms", "Notes"]
    lines = ["", f"### {md_cell(item_id)}", "", *_item_lines(item, _CONTEXT_EXCERPT_CHARS), ""]
    lines += ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 2) + "---|"]
    for r in rows:
        cells = [
            f"`{md_cell(r.model)}`",
            quality_cell(r),
            *(score_cell(r, m) for m in metrics),
            ms(r.latency_ms),
            _notes(r),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines += [f"- `{md_cell(r.model)}`: {_answer_text(r, ANSWER_EXCERPT_CHARS)}" for r in rows]
    return lines


def items_markdown(result: ComparisonResult) -> list[str]:
    """The answers section: side by side for one prompt, per item (the first :data:`MARKDOWN_ITEMS`) otherwise."""
    groups = item_groups(result)
    if not groups:
        return []
    if len(groups) == 1:
        _, item, rows = groups[0]
        return _side_by_side(result, item, rows)
    shown = groups[:MARKDOWN_ITEMS]
    lines = ["", f"## Answers by item ({len(groups)})", ""]
    shown_text = f"The first {len(shown)} of {len(groups)} items are shown. " if len(shown) < len(groups) else ""
    lines.append(
        f"Answers cut to {ANSWER_EXCERPT_CHARS} characters, models in rank order. {shown_text}Every answer in full "
        "is in comparison.json and in the HTML report (`llmbench report RUN --html FILE`)."
    )
    for item_id, item, rows in shown:
        lines += _item_block(result, item_id, item, rows)
    return lines
