"""A self-contained HTML report of one comparison: opens in a browser from disk, no server, no network.

Everything is inline (CSS, the figures as SVG, a few lines of script to filter the answers), so the file can be
mailed or attached to a ticket. The only links out are those given in ``links`` (the MLflow and Prefect runs).
Every value is escaped: answers are untrusted model output.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from llmbench.report.format import DASH, cost_text, group_text, interval_text, n_items, simulated_models
from llmbench.report.html_parts import answers_section, e, num, table
from llmbench.report.html_stats import judge_section, statistics_section
from llmbench.report.metrics import metric_coverage
from llmbench.report.summary import outcome_lines, run_title
from llmbench.types import ComparisonResult, Interval, ModelRanking

__all__ = ["inline_svg", "render_html"]

_CSS = """
:root{--line:#dde1e7;--muted:#5a6473}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1400px;margin:0 auto;padding:20px 24px 60px}
h1{font-size:21px;margin:0 0 6px}h2{font-size:17px;margin:30px 0 10px;border-bottom:1px solid var(--line);
padding-bottom:4px}h3{font-size:14px;margin:14px 0 6px}
nav{margin:6px 0 10px}nav a{margin-right:14px;color:#2454a6;text-decoration:none}
.meta{color:var(--muted);margin:2px 0}.meta span{margin-right:18px}.links a{margin-right:18px}
.banner{padding:8px 12px;border-radius:6px;margin:10px 0}.sim{background:#fff4d6;border:1px solid #e8c65a}
.warn{background:#fde8e8;border:1px solid #e39b9b}.winner{font-size:15px;margin:12px 0}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px;margin:6px 0}
th,td{border:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.tie{color:#8a5300;font-weight:600}.bad{color:#b42318}.ok{color:#1a7f37}.dim{color:var(--muted)}
.item{background:#fff;border:1px solid var(--line);border-radius:6px;margin:12px 0;padding:10px 12px}
.item h3{margin:0 0 6px;font-family:ui-monospace,monospace}.field{margin:4px 0}.field .text{white-space:pre-wrap}
.refs{margin:2px 0 2px 18px;padding:0}
.answers{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:8px;margin-top:8px}
.answer{border:1px solid #e3e6eb;border-radius:6px;padding:6px 8px;background:#fafbfc}
.answer.failed{background:#fff6f5;border-color:#f0c4bf}
.answer pre{white-space:pre-wrap;word-break:break-word;margin:6px 0;font:13px/1.45 ui-monospace,monospace;
max-height:22em;overflow:auto}
.answer .q{color:var(--muted);margin-left:6px}.scores{color:var(--muted);font-size:12px}
.flag{display:inline-block;font-size:11px;border-radius:8px;padding:0 6px;margin-left:6px}
.flag.bad{background:#fde8e8;color:#b42318}.flag.note{background:#eef1f5;color:#38414f}
.figs{display:flex;flex-wrap:wrap;gap:12px}.figs figure{margin:0;background:#fff;border:1px solid var(--line);
padding:6px;max-width:100%}.figs svg{max-width:100%;height:auto}figcaption{color:var(--muted);font-size:12px}
.controls{display:flex;gap:16px;align-items:center;margin:6px 0}
input[type=search]{padding:5px 8px;width:340px;border:1px solid #c9ced6;border-radius:4px}
footer{color:var(--muted);font-size:12px;margin-top:30px}.scroll{overflow-x:auto}
"""

_SCRIPT = """
(function(){
  var box=document.getElementById('filter'),failed=document.getElementById('failed-only'),
      shown=document.getElementById('shown');
  if(!box)return;
  var items=Array.prototype.slice.call(document.querySelectorAll('.item'));
  function apply(){
    var q=box.value.toLowerCase(),n=0;
    items.forEach(function(el){
      var hit=el.textContent.toLowerCase().indexOf(q)>=0&&(!failed.checked||el.classList.contains('has-failed'));
      el.style.display=hit?'':'none';if(hit)n++;});
    shown.textContent=n+' of '+items.length+' items';}
  box.addEventListener('input',apply);failed.addEventListener('change',apply);
})();
"""

_SVG_PROLOG = re.compile(r"^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?", re.IGNORECASE)


def _header(result: ComparisonResult, links: dict[str, str]) -> str:
    meta = [
        f"<span>{e(result.created_at.strftime('%Y-%m-%d %H:%M:%S %Z'))}</span>",
        f"<span>{len(result.models)} models × {n_items(result)} item(s)</span>",
        f"<span>metrics: {e(', '.join(result.metrics) or DASH)}</span>",
        f"<span>calls took {result.duration_ms / 1000:.1f} s</span>",
        f"<span class=dim>comparison {e(result.comparison_id)}</span>",
    ]
    if result.run_id:
        meta.append(f"<span class=dim>result-store run {e(result.run_id)}</span>")
    parts = [f"<h1>{e(run_title(result))}</h1>", f"<p class=meta>{''.join(meta)}</p>"]
    if links:
        anchors = "".join(f'<a href="{e(url)}">{e(label)}</a>' for label, url in links.items())
        parts.append(f"<p class='meta links'>{anchors}</p>")
    simulated = simulated_models(result)
    if simulated:
        parts.append(
            f"<div class='banner sim'><b>SIMULATED</b>: answers of {e(', '.join(simulated))} come from built-in "
            "simulated models, not from real LLMs.</div>"
        )
    if not result.complete:
        parts.append(
            f"<div class='banner warn'><b>Incomplete run</b>: {e(', '.join(result.incomplete_models))} did not "
            "finish; their figures are partial.</div>"
        )
    return "".join(parts)


def _ci(value: float | None, interval: Interval | None) -> str:
    text = num(value)
    return text if interval is None else f"{text} <span class=dim>{interval_text(interval)}</span>"


def _ranking_row(r: ModelRanking, rankings: list[ModelRanking], stats: bool) -> list[str]:
    c = r.component_scores
    group = group_text(r, rankings)
    traits = [e(s) for s in r.strengths] + [f"<span class=bad>{e(w)}</span>" for w in r.weaknesses]
    return [
        f"<span class=tie>{e(group)}</span>" if "=" in group else e(group),
        f"<b>{e(r.model)}</b>",
        _ci(r.overall_score, r.overall_interval),
        *([num(r.p_best, 2)] if stats else []),
        _ci(c.quality, r.quality_interval),
        num(c.performance),
        num(c.cost_efficiency),
        num(r.latency_ms, 0),
        num(r.latency_p95_ms, 0),
        e(cost_text(r)),
        f"{r.success_rate:.0%} ({r.n_items - r.n_failed}/{r.n_items})",
        ", ".join(traits),
    ]


def _ranking(result: ComparisonResult) -> str:
    rankings = sorted(result.rankings, key=lambda x: x.rank)
    stats = result.statistics is not None and result.statistics.enabled
    headers = ["#", "model", "overall", *(["P(best)"] if stats else []), "quality", "speed", "cost eff."]
    headers += ["p50 ms", "p95 ms", "cost/item"]
    rows = [_ranking_row(r, rankings, stats) for r in rankings]
    note = (
        "<p class=dim># is the rank group: models sharing it (marked =) are not significantly different; "
        f"intervals are {1 - result.statistics.alpha:.0%} bootstrap intervals; P(best) is the share of resamples "
        "ranking the model first, not corrected for the number of pairs as the groups are.</p>"
        if stats and result.statistics is not None
        else "<p class=dim># is the position by point estimate (no statistics for this run).</p>"
    )
    return (
        "<section id=ranking><h2>Ranking</h2>"
        f"{table([*headers, 'success', 'notes'], rows, numeric=set(range(2, len(headers) + 1)))}{note}</section>"
    )


def _recommendations(result: ComparisonResult) -> str:
    rec = result.recommendations
    head = f"<p class=winner><b>{e(outcome_lines(result)[1])}</b></p>"
    if rec is None:
        return head
    items = []
    for label, model, key in (
        ("Best overall", rec.best_overall, "overall"),
        ("Best for quality", rec.best_for_quality, "quality"),
        ("Best for speed", rec.best_for_speed, "speed"),
        ("Best for cost", rec.best_for_cost, "cost"),
    ):
        reason = rec.reasoning.get(key, "")
        items.append(f"<li><b>{label}:</b> {e(model or DASH)} <span class=dim>{e(reason)}</span></li>")
    summary = f"<p>{e(result.analysis.summary)}</p>" if result.analysis else ""
    return f"<section id=recommendations><h2>Recommendations</h2>{head}{summary}<ul>{''.join(items)}</ul></section>"


def _metrics(result: ComparisonResult) -> str:
    coverage = metric_coverage(result)
    rankings = sorted(result.rankings, key=lambda x: x.rank)
    if not coverage or not rankings:
        return ""
    names = list(coverage)
    rows = [[e(r.model), *(num(r.metrics.get(n)) for n in names)] for r in rankings]
    notes = "".join(f"<li>{e(c.text())}</li>" for c in coverage.values() if c.not_applicable or c.failed)
    return (
        "<section id=metrics><h2>Metrics</h2><p class=dim>Mean score per model over the answers each metric "
        f"scored.</p>{table(['model', *names], rows, numeric=set(range(1, len(names) + 1)))}"
        f"{f'<ul>{notes}</ul>' if notes else ''}</section>"
    )


def _failures(result: ComparisonResult) -> str:
    failed = sorted((r for r in result.results if not r.success), key=lambda r: (r.model, r.item_id))
    if not failed:
        return "<section id=failures><h2>Failures (0)</h2><p>No failed calls.</p></section>"
    rows = [[e(r.model), e(r.item_id), e(r.error_type or DASH), str(r.attempts), e(r.error or "")] for r in failed]
    return (
        f"<section id=failures><h2>Failures ({len(failed)})</h2><p class=dim>Each failed call counts 0 quality and "
        "in the model's success rate.</p>"
        f"{table(['model', 'item', 'error type', 'attempts', 'error'], rows, numeric={3})}</section>"
    )


def inline_svg(svg: str) -> str:
    """SVG markup fit to sit inside HTML: the XML declaration and DOCTYPE removed."""
    return _SVG_PROLOG.sub("", svg, count=1)


def _figures(svgs: dict[str, str]) -> str:
    if not svgs:
        return ""
    figs = "".join(
        f"<figure>{inline_svg(svg)}<figcaption>{e(title)}</figcaption></figure>" for title, svg in svgs.items()
    )
    return f"<section id=plots><h2>Plots</h2><div class=figs>{figs}</div></section>"


def _nav(sections: list[tuple[str, str]]) -> str:
    labels = {
        "ranking": "Ranking",
        "recommendations": "Recommendations",
        "answers": "Answers",
        "plots": "Plots",
        "metrics": "Metrics",
        "statistics": "Statistics",
        "failures": "Failures",
        "judge": "Judge",
    }
    present = [key for key, html in sections if html]
    return "<nav>" + "".join(f"<a href='#{key}'>{labels[key]}</a>" for key in present) + "</nav>"


def render_html(
    result: ComparisonResult, *, links: dict[str, str] | None = None, figures: dict[str, str] | None = None
) -> str:
    """The report as one HTML document.

    ``links`` maps a label to a URL (the MLflow run, the Prefect flow run); ``figures`` maps a caption to SVG
    markup (trusted: llmbench's own plots).
    """
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    answers = ("answers", answers_section(result))
    single = n_items(result) == 1  # one prompt: its answers are what a reader compares, so they come first
    sections = [
        ("ranking", _ranking(result)),
        ("recommendations", _recommendations(result)),
        *([answers] if single else []),
        ("plots", _figures(figures or {})),
        ("metrics", _metrics(result)),
        ("statistics", statistics_section(result)),
        ("failures", _failures(result)),
        ("judge", judge_section(result)),
        *([] if single else [answers]),
    ]
    body = "".join(
        [
            _header(result, links or {}),
            _nav(sections),
            *(html for _, html in sections),
            f"<footer>llmbench report, written {generated}. Self-contained: no script or style is loaded from "
            "the network.</footer>",
        ]
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>{e(run_title(result))}</title><style>{_CSS}</style></head>"
        f"<body><main>{body}</main><script>{_SCRIPT}</script></body></html>\n"
    )
