"""What the CLI prints: ranking tables, recommendations and where to look next, drawn with rich."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from llmbench.catalogue import AvailableModel
from llmbench.report import cost_text, group_text, judge_usage_text
from llmbench.report.metrics import metric_coverage
from llmbench.types import ComparisonResult, Interval, ModelRanking, RunLinks

__all__ = [
    "metrics_table",
    "print_links",
    "print_models",
    "print_result",
    "ranking_table",
    "simulated_note",
]


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _with_ci(value: float | None, interval: Interval | None) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if interval is None else f"{value:.3f} [dim]{interval.low:.2f}–{interval.high:.2f}[/dim]"


def _caption(result: ComparisonResult) -> str | None:
    """What the statistics say about the order: ties, or why there are no intervals."""
    report = result.statistics
    if report is None:
        return None
    if not report.enabled:
        return escape(f"no intervals or tests: {report.reason}")  # the reason names [statistics] min_items
    tied = [" = ".join(group) for group in report.groups.get("overall", []) if len(group) > 1]
    level = f"{1 - report.alpha:.0%} intervals; # is the rank group"
    p_best = "P(best): share of resamples ranking the model first (not corrected for the number of pairs)"
    return f"{level}; tied (not significantly different): {'; '.join(tied)}; {p_best}" if tied else f"{level}; {p_best}"


def simulated_note(result: ComparisonResult) -> str:
    """ "(SIMULATED models)" when every model is simulated, else the simulated ones by name; "" when none is."""
    simulated = sorted({r.model for r in result.results if r.simulated})
    if not simulated:
        return ""
    if set(result.models) <= set(simulated):
        return " [yellow](SIMULATED models)[/yellow]"
    return f" [yellow](simulated: {', '.join(simulated)})[/yellow]"


def ranking_table(result: ComparisonResult) -> Table:
    title = f"{result.name}: {len(result.models)} models × {max(1, len(result.items))} item(s)"
    table = Table(title=title + simulated_note(result), caption=_caption(result))
    stats = result.statistics is not None and result.statistics.enabled
    for column, justify in [
        ("#", "right"),
        ("model", "left"),
        ("overall", "right"),
        ("quality", "right"),
        ("speed", "right"),
        ("cost eff.", "right"),
        ("p50 ms", "right"),
        ("cost/item", "right"),
        ("success", "right"),
        *([("P(best)", "right")] if stats else []),
        ("notes", "left"),
    ]:
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for r in result.rankings:
        c = r.component_scores
        table.add_row(
            group_text(r, result.rankings),
            r.model,
            _with_ci(r.overall_score, r.overall_interval),
            _with_ci(c.quality, r.quality_interval),
            f"{c.performance:.3f}",
            "—" if c.cost_efficiency is None else f"{c.cost_efficiency:.3f}",
            _ms(r.latency_ms),
            cost_text(r),
            f"{r.success_rate:.0%}",
            *([("—" if r.p_best is None else f"{r.p_best:.2f}")] if stats else []),
            ", ".join(r.strengths + [f"[red]{w}[/red]" for w in r.weaknesses]),
        )
    return table


def _metric_cell(result: ComparisonResult, r: ModelRanking, metric: str) -> str:
    """The model's mean, or why there is none: "n/a" (no answer it applied to) or "failed" (judge errors)."""
    value = r.metrics.get(metric)
    if value is not None:
        return f"{value:.3f}"
    rows = [x for x in result.results if x.model == r.model and x.success]
    if rows and all(metric in x.not_applicable for x in rows):
        return "[dim]n/a[/dim]"
    if any(metric in x.eval_errors for x in rows):
        return "[red]failed[/red]"
    return "—"


def metrics_table(result: ComparisonResult) -> Table | None:
    """Each metric's mean per model over the answers it scored; what did not apply or failed is said below."""
    coverage = metric_coverage(result)
    rankings = sorted(result.rankings, key=lambda x: x.rank)
    if not coverage or not rankings:
        return None
    notes = [escape(c.text().replace("`", "")) for c in coverage.values() if c.not_applicable or c.failed]
    table = Table(title="Metrics (mean per model)", caption="\n".join(notes) or None, caption_justify="left")
    table.add_column("model")
    for name in coverage:
        table.add_column(escape(name), justify="right")
    for r in rankings:
        table.add_row(r.model, *(_metric_cell(result, r, name) for name in coverage))
    return table


def _print_judge(console: Console, result: ComparisonResult) -> None:
    """The judge's budget line: its own cost, never part of a model's."""
    if result.judge_usage is None:
        return
    total = result.judge_usage.total
    console.print(f"[bold]Judge[/bold] {escape(total.model)}: {escape(judge_usage_text(total))}", highlight=False)


def _print_recommendations(console: Console, result: ComparisonResult) -> None:
    rec = result.recommendations
    if rec is None:
        return
    console.print("[bold]Recommendations[/bold]")
    for label, key, value in [
        ("best overall", "overall", rec.best_overall),
        ("best for quality", "quality", rec.best_for_quality),
        ("best for speed", "speed", rec.best_for_speed),
        ("best for cost", "cost", rec.best_for_cost),
    ]:
        why = rec.reasoning.get(key, "")
        console.print(f"  {label:17} {value or '— (no known price)'}  [dim]{escape(why)}[/dim]", highlight=False)


def print_links(console: Console, links: RunLinks | None) -> None:
    """Where the run went: its MLflow run (page, or how to open the store) and its Prefect flow run.

    Never wrapped (``soft_wrap``), so a URL or command can be copied whole.
    """
    if links is None:
        return
    if links.mlflow_run_id:
        console.print(
            f"MLflow run   {links.mlflow_run_id}  {links.mlflow_run_url or ''}", highlight=False, soft_wrap=True
        )
        if not links.mlflow_run_url and links.mlflow_ui_command:
            console.print(
                f"  open it:   {links.mlflow_ui_command}   (or: make mlflow-ui)", highlight=False, soft_wrap=True
            )
    if links.prefect_flow_run_url:
        console.print(f"Prefect run  {links.prefect_flow_run_url}", highlight=False, soft_wrap=True)


def print_result(console: Console, result: ComparisonResult) -> None:
    console.print(ranking_table(result))
    metrics = metrics_table(result)
    if metrics is not None:
        console.print(metrics)
    _print_judge(console, result)
    if not result.complete:
        console.print(
            f"[yellow]incomplete:[/yellow] cut off by the overall timeout: {', '.join(result.incomplete_models)}"
        )
    failed = [r for r in result.results if not r.success]
    if failed:
        console.print(f"[red]{len(failed)} failed call(s)[/red] (counted in success rate):")
        for row in failed[:10]:
            console.print(escape(f"  {row.model} / {row.item_id}: {row.error_type}: {row.error}"), highlight=False)
    _print_recommendations(console, result)
    if result.analysis is not None:
        console.print(f"[bold]Summary[/bold] {escape(result.analysis.summary)}", highlight=False)
    console.print()
    print_links(console, result.links)


def print_models(console: Console, rows: Sequence[AvailableModel]) -> None:
    table = Table(title="Models")
    for column in ("reference", "provider", "source", "price in/out per Mtok", "notes"):
        table.add_column(column)
    for row in rows:
        price = (
            "price unknown" if row.price is None else f"${row.price.input_per_mtok:g} / ${row.price.output_per_mtok:g}"
        )
        notes = row.description or (row.base_url or "")
        if row.api_key_env:
            notes += f" key from ${row.api_key_env}"
        table.add_row(row.reference, row.provider, row.source, price, notes)
    console.print(table)
