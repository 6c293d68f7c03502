"""A self-contained HTML report of one comparison: opens in a browser from disk, no server, no network.

Everything is inline (CSS, the figures as SVG, a few lines of script to filter the answers), so the file can be
mailed or attached to a ticket. Every value is escaped: answers are untrusted model output.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from llmbench.report import cost_text
from llmbench.types import ComparisonResult, DatasetItem, ModelResult

__all__ = ["render_html"]

_DASH = "—"

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1200px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde1e7;padding-bottom:4px}
.meta{color:#5a6473;margin:0 0 12px}.meta span{margin-right:16px}
.banner{padding:8px 12px;border-radius:6px;margin:8px 0}.sim{background:#fff4d6;border:1px solid #e8c65a}
.warn{background:#fde8e8;border:1px solid #e39b9b}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{border:1px solid #dde1e7;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.tie{color:#7a4d00}.bad{color:#b42318}.ok{color:#1a7f37}.dim{color:#6b7280}
.item{background:#fff;border:1px solid #dde1e7;border-radius:6px;margin:12px 0;padding:10px 12px}
.item h3{font-size:14px;margin:0 0 6px}.prompt{white-space:pre-wrap;margin:4px 0}
.answers{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:8px;margin-top:8px}
.answer{border:1px solid #e3e6eb;border-radius:6px;padding:6px 8px;background:#fafbfc}
.answer pre{white-space:pre-wrap;word-break:break-word;margin:4px 0;font:13px/1.4 ui-monospace,monospace}
.answer .head{font-weight:600}.scores{color:#5a6473;font-size:12px}
.figs{display:flex;flex-wrap:wrap;gap:12px}.figs figure{margin:0;background:#fff;border:1px solid #dde1e7;padding:6px}
input[type=search]{padding:5px 8px;width:320px;border:1px solid #c9ced6;border-radius:4px}
"""

_SCRIPT = """
document.getElementById('filter').addEventListener('input',function(e){
  var q=e.target.value.toLowerCase();
  document.querySelectorAll('.item').forEach(function(el){
    el.style.display=el.textContent.toLowerCase().indexOf(q)>=0?'':'none';});});
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _num(value: float | None, digits: int = 3) -> str:
    return _DASH if value is None else f"{value:.{digits}f}"


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: set[int] | None = None) -> str:
    """Rows are already-escaped cell HTML; ``numeric`` columns are right-aligned."""
    numeric = numeric or set()
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td{' class=n' if i in numeric else ''}>{cell}</td>" for i, cell in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _header(result: ComparisonResult, links: dict[str, str]) -> str:
    n_items = len(result.items) or len({r.item_id for r in result.results})
    meta = [
        f"<span>{_e(result.created_at.strftime('%Y-%m-%d %H:%M:%S %Z'))}</span>",
        f"<span>{len(result.models)} models × {n_items} item(s)</span>",
        f"<span>metrics: {_e(', '.join(result.metrics) or _DASH)}</span>",
        f"<span>duration {result.duration_ms / 1000:.1f} s</span>",
        f"<span class=dim>id {_e(result.comparison_id)}</span>",
    ]
    parts = [f"<h1>llmbench report: {_e(result.name)}</h1>", f"<p class=meta>{''.join(meta)}</p>"]
    if links:
        anchors = " · ".join(f'<a href="{_e(url)}">{_e(label)}</a>' for label, url in links.items())
        parts.append(f"<p class=meta>{anchors}</p>")
    simulated = sorted({r.model for r in result.results if r.simulated})
    if simulated:
        parts.append(
            f"<div class='banner sim'><b>SIMULATED</b>: answers of {_e(', '.join(simulated))} come from built-in "
            "simulated models, not from real LLMs.</div>"
        )
    if not result.complete:
        parts.append(
            f"<div class='banner warn'><b>Incomplete run</b>: {_e(', '.join(result.incomplete_models))} did not "
            "finish; their figures are partial.</div>"
        )
    return "".join(parts)


def _ranking(result: ComparisonResult) -> str:
    rows = []
    for r in sorted(result.rankings, key=lambda x: x.rank):
        c = r.component_scores
        notes = ", ".join(_e(s) for s in r.strengths)
        weak = ", ".join(f"<span class=bad>{_e(w)}</span>" for w in r.weaknesses)
        rows.append(
            [
                str(r.rank),
                _e(r.model),
                _num(r.overall_score),
                _num(c.quality),
                _num(c.performance),
                _num(c.cost_efficiency),
                _num(r.latency_ms, 0),
                _e(cost_text(r)),
                f"{r.success_rate:.0%} ({r.n_items - r.n_failed}/{r.n_items})",
                "; ".join(x for x in (notes, weak) if x),
            ]
        )
    headers = ["#", "model", "overall", "quality", "speed", "cost eff.", "p50 ms", "cost/item", "success", "notes"]
    return "<h2>Ranking</h2>" + _table(headers, rows, numeric={0, 2, 3, 4, 5, 6, 7, 8})


def _recommendations(result: ComparisonResult) -> str:
    rec = result.recommendations
    if rec is None:
        return ""
    items = []
    for label, model, key in (
        ("Best overall", rec.best_overall, "overall"),
        ("Best for quality", rec.best_for_quality, "quality"),
        ("Best for speed", rec.best_for_speed, "speed"),
        ("Best for cost", rec.best_for_cost, "cost"),
    ):
        reason = rec.reasoning.get(key, "")
        items.append(f"<li><b>{label}:</b> {_e(model or _DASH)} <span class=dim>{_e(reason)}</span></li>")
    summary = f"<p>{_e(result.analysis.summary)}</p>" if result.analysis else ""
    return f"<h2>Recommendations</h2>{summary}<ul>{''.join(items)}</ul>"


def _answer(row: ModelResult) -> str:
    if not row.success:
        body = f"<pre class=bad>{_e(row.error_type or 'failed')}: {_e(row.error or '')}</pre>"
    else:
        body = f"<pre>{_e(row.response or '')}</pre>"
    scores = " · ".join(f"{_e(k)} {v:.2f}" for k, v in sorted(row.scores.items()))
    timing = _DASH if row.latency_ms is None else f"{row.latency_ms:.0f} ms"
    return (
        f"<div class=answer><div class=head>{_e(row.model)}</div>{body}"
        f"<div class=scores>{scores or _DASH} · {timing}</div></div>"
    )


def _item_block(item: DatasetItem | None, item_id: str, rows: list[ModelResult]) -> str:
    parts = [f"<div class=item><h3>{_e(item_id)}</h3>"]
    if item is not None:
        parts.append(f"<div class=prompt><b>Prompt:</b> {_e(item.prompt)}</div>")
        if item.context:
            parts.append(f"<details><summary>Context</summary><div class=prompt>{_e(item.context)}</div></details>")
        if item.reference:
            parts.append(f"<div class=prompt><b>Reference:</b> {_e(item.reference)}</div>")
    parts.append("<div class=answers>" + "".join(_answer(r) for r in rows) + "</div></div>")
    return "".join(parts)


def _answers(result: ComparisonResult) -> str:
    by_item: dict[str, list[ModelResult]] = {}
    for row in result.results:
        by_item.setdefault(row.item_id, []).append(row)
    items = {item.id: item for item in result.items}
    order = [i.id for i in result.items] + sorted(set(by_item) - set(items))
    blocks = "".join(_item_block(items.get(i), i, by_item.get(i, [])) for i in order if i in by_item)
    search = "<input type=search id=filter placeholder='filter items, answers, models…'>"
    return f"<h2>Answers side by side</h2>{search}{blocks}"


def _failures(results: list[ModelResult]) -> str:
    failed = sorted((r for r in results if not r.success), key=lambda r: (r.model, r.item_id))
    if not failed:
        return "<h2>Failures (0)</h2><p>No failed calls.</p>"
    rows = [[_e(r.model), _e(r.item_id), _e(r.error_type or _DASH), _e(r.error or "")] for r in failed]
    return f"<h2>Failures ({len(failed)})</h2>" + _table(["model", "item", "error type", "error"], rows)


def _figures(svgs: dict[str, str]) -> str:
    if not svgs:
        return ""
    figs = "".join(f"<figure>{svg}<figcaption>{_e(title)}</figcaption></figure>" for title, svg in svgs.items())
    return f"<h2>Plots</h2><div class=figs>{figs}</div>"


def render_html(
    result: ComparisonResult, *, links: dict[str, str] | None = None, figures: dict[str, str] | None = None
) -> str:
    """The report as one HTML document. ``figures`` maps a caption to inline SVG markup (trusted, ours)."""
    body = "".join(
        [
            _header(result, links or {}),
            _ranking(result),
            _recommendations(result),
            _figures(figures or {}),
            _answers(result),
            _failures(result.results),
        ]
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>llmbench: {_e(result.name)}</title><style>{_CSS}</style></head>"
        f"<body><main>{body}</main><script>{_SCRIPT}</script></body></html>\n"
    )
