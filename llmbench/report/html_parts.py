"""Building blocks of the HTML report: escaping, tables and the answers section.

Every value that reaches the page goes through :func:`e`: answers, prompts and errors are untrusted text.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from llmbench.report.format import DASH, PRICE_UNKNOWN, money, ms, row_notes, score_names
from llmbench.report.items import item_groups, quality_cell, score_cell
from llmbench.types import ComparisonResult, DatasetItem, ModelResult

__all__ = ["answers_section", "e", "num", "table"]


def e(value: object) -> str:
    """``value`` escaped for HTML text and attribute values."""
    return html.escape(str(value), quote=True)


def num(value: float | None, digits: int = 3) -> str:
    return DASH if value is None else f"{value:.{digits}f}"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: set[int] | None = None, cls: str = "") -> str:
    """Rows are cell HTML, already escaped; ``numeric`` columns are right-aligned."""
    numeric = numeric or set()
    head = "".join(f"<th{' class=n' if i in numeric else ''}>{e(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td{' class=n' if i in numeric else ''}>{cell}</td>" for i, cell in enumerate(row)) + "</tr>"
        for row in rows
    )
    attr = f" class='{cls}'" if cls else ""
    return f"<div class=scroll><table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def _answer(row: ModelResult, metrics: list[str]) -> str:
    if not row.success:
        body = f"<pre class=bad>{e(row.error_type or 'failed')}: {e(row.error or '')}</pre>"
    elif not row.response:
        body = f"<pre class=dim>{DASH}</pre>"
    else:
        body = f"<pre>{e(row.response)}</pre>"
    if row.success:
        scores = " · ".join(f"{e(m)} {e(score_cell(row, m))}" for m in metrics) or DASH
        cost = PRICE_UNKNOWN if not row.price_known else money(row.cost_usd)
        figures = f"<div class=scores>{scores} · {ms(row.latency_ms)} ms · {e(cost)}</div>"
    else:
        figures = f"<div class=scores>no answer: counts 0 quality · {row.attempts} attempt(s)</div>"
    notes = row_notes(row) + [f"{m} failed: {err.error_type}" for m, err in sorted(row.eval_errors.items())]
    flags = "".join(f"<span class='flag {'bad' if 'fail' in n else 'note'}'>{e(n)}</span>" for n in notes)
    state = "failed" if not row.success else ""
    return (
        f"<div class='answer {state}' data-model='{e(row.model)}'>"
        f"<div class=head><b>{e(row.model)}</b> <span class=q>quality {e(quality_cell(row))}</span>{flags}</div>"
        f"{body}{figures}</div>"
    )


def _item_head(item_id: str, item: DatasetItem | None, single: bool) -> str:
    parts = [] if single else [f"<h3>{e(item_id)}</h3>"]
    if item is None:
        return "".join(parts)
    parts.append(f"<div class=field><b>Prompt</b><div class=text>{e(item.prompt)}</div></div>")
    if item.context:
        parts.append(
            f"<details class=field><summary><b>Context</b> ({len(item.context):,} characters)</summary>"
            f"<div class=text>{e(item.context)}</div></details>"
        )
    if item.correct_references:
        refs = "".join(f"<li>{e(ref)}</li>" for ref in item.correct_references)
        parts.append(f"<div class=field><b>Reference</b><ul class=refs>{refs}</ul></div>")
    if item.incorrect_references:
        wrong = "".join(f"<li>{e(ref)}</li>" for ref in item.incorrect_references)
        parts.append(f"<div class=field><b>Known wrong answers</b><ul class=refs>{wrong}</ul></div>")
    return "".join(parts)


def answers_section(result: ComparisonResult) -> str:
    """Every answer in full, side by side under its item, with a text filter and a "failed only" switch."""
    groups = item_groups(result)
    metrics = score_names(result)
    single = len(groups) == 1
    blocks = []
    for item_id, item, rows in groups:
        failed = " has-failed" if any(not r.success for r in rows) else ""
        answers = "".join(_answer(r, metrics) for r in rows)
        head = _item_head(item_id, item, single)
        blocks.append(f"<div class='item{failed}'>{head}<div class=answers>{answers}</div></div>")
    if single:
        return f"<section id=answers><h2>Answers</h2>{''.join(blocks)}</section>"
    controls = (
        "<div class=controls><input type=search id=filter placeholder='filter by item, prompt, answer or model…'>"
        "<label><input type=checkbox id=failed-only> items with a failed call only</label>"
        f"<span id=shown class=dim>{len(groups)} of {len(groups)} items</span></div>"
    )
    return f"<section id=answers><h2>Answers side by side</h2>{controls}{''.join(blocks)}</section>"
