"""Figures logged with each comparison run.

Built on ``matplotlib.figure.Figure`` with an Agg canvas rather than pyplot: no global figure registry to leak
or to share between flows running in threads, and no GUI backend on headless workers.
"""

from __future__ import annotations

from collections.abc import Callable

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from llmbench.types import ComparisonResult, Interval, ModelRanking, ModelStatistics

__all__ = [
    "intervals_figure",
    "pairwise_quality_figure",
    "pareto_figure",
    "quality_vs_cost_figure",
    "svg_figures",
]


def _short(model: str, limit: int = 28) -> str:
    return model if len(model) <= limit else model[: limit - 1] + "…"


def _figure(width: float, height: float) -> Figure:
    # "tight" lays out once per save; "constrained" iterates and took 30 % longer for the same picture.
    fig = Figure(figsize=(width, height), dpi=100, layout="tight")
    FigureCanvasAgg(fig)
    return fig


def pairwise_quality_figure(matrix: dict[str, dict[str, float]]) -> Figure | None:
    """Heatmap of ``matrix[a][b] = quality_a − quality_b``, values written in the cells; None when empty."""
    models = list(matrix)
    if not models:
        return None
    values = [[matrix[a].get(b, 0.0) for b in models] for a in models]
    bound = max((abs(v) for row in values for v in row), default=0.0) or 1.0
    size = 2.5 + 0.8 * len(models)
    fig = _figure(size + 1.5, size)
    ax = fig.add_subplot()
    image = ax.imshow(values, cmap="RdBu", vmin=-bound, vmax=bound)
    labels = [_short(m) for m in models]
    ax.set_xticks(range(len(models)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(models)), labels)
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            colour = "white" if abs(value) > 0.6 * bound else "black"
            ax.text(j, i, f"{value:+.3f}", ha="center", va="center", color=colour, fontsize=8)
    ax.set_title("Quality difference (row − column)")
    fig.colorbar(image, ax=ax, shrink=0.8)
    return fig


def quality_vs_cost_figure(result: ComparisonResult) -> Figure:
    """Quality against cost per item; models without a known cost sit in their own panel, never at $0."""
    ranked = [r for r in result.rankings if r.success_rate > 0]
    known = [r for r in ranked if r.cost_usd is not None]
    unknown = [r for r in ranked if r.cost_usd is None]
    fig = _figure(9, 5)
    grid = fig.add_gridspec(1, 2, width_ratios=[4, 1])
    ax = fig.add_subplot(grid[0, 0])
    side = fig.add_subplot(grid[0, 1], sharey=ax)
    _scatter_known(ax, known)
    for i, r in enumerate(unknown):
        side.scatter([0], [r.component_scores.quality], marker="x", color="tab:red")
        side.annotate(
            f"{_short(r.model, 20)}\n(price unknown)",
            (0, r.component_scores.quality),
            textcoords="offset points",
            xytext=(6, 6 - 14 * (i % 2)),
            fontsize=7,
        )
    side.set_xticks([])
    side.set_xlim(-0.5, 1.5)
    side.set_title("price unknown", fontsize=9)
    if not unknown:
        side.text(0.5, 0.5, "none", transform=side.transAxes, ha="center", va="center", color="grey")
    ax.set_ylim(-0.05, 1.05)
    ax.set_ylabel("quality")
    ax.set_title("Quality vs cost per item")
    return fig


def _scatter_known(ax: Axes, known: list[ModelRanking]) -> None:
    if not known:
        ax.text(0.5, 0.5, "no model has a known price", transform=ax.transAxes, ha="center", va="center")
        ax.set_xlabel("cost per item (USD)")
        return
    costs = [r.cost_usd or 0.0 for r in known]
    ax.scatter(costs, [r.component_scores.quality for r in known], color="tab:blue")
    for r, cost in zip(known, costs, strict=True):
        ax.annotate(_short(r.model), (cost, r.component_scores.quality), textcoords="offset points", xytext=(5, 5))
    ax.margins(x=0.2)  # room for the labels of the extreme points
    ax.set_xlabel("cost per item (USD)")
    ax.ticklabel_format(axis="x", style="sci", scilimits=(-3, 3))


def intervals_figure(result: ComparisonResult) -> Figure | None:
    """Overall score and quality of each model with their intervals, in rank order, rank groups in the labels;
    None without statistics."""
    report = result.statistics
    if report is None or not report.enabled or not report.models:
        return None
    models = report.models
    fig = _figure(10, 1.5 + 0.45 * len(models))
    panels = fig.subplots(1, 2, sharey=True)
    labels = [f"{_short(m.model)}  (group {m.rank_group if m.rank_group is not None else '—'})" for m in models]
    for ax, title, pick in (
        (panels[0], "Overall score", lambda m: m.overall),
        (panels[1], "Quality", lambda m: m.quality),
    ):
        _interval_panel(ax, models, pick)
        ax.set_title(f"{title} ({1 - report.alpha:.0%} interval)")
    panels[0].set_yticks(range(len(models)), labels)
    panels[0].invert_yaxis()  # best at the top
    return fig


def _interval_panel(ax: Axes, models: list[ModelStatistics], pick: Callable[[ModelStatistics], object]) -> None:
    for y, m in enumerate(models):
        interval = pick(m)
        if not isinstance(interval, Interval):
            ax.text(0.5, y, "not scored", va="center", color="grey", fontsize=8)
            continue
        ax.errorbar(
            [interval.estimate],
            [y],
            # clipped: an estimate a rounding error outside its interval made matplotlib raise and the run fail
            xerr=[[max(0.0, interval.estimate - interval.low)], [max(0.0, interval.high - interval.estimate)]],
            fmt="o",
            color="tab:blue",
            capsize=4,
        )
    ax.set_xlim(0, 1.05)
    ax.grid(axis="x", alpha=0.3)


def pareto_figure(result: ComparisonResult) -> Figure | None:
    """Quality against cost per item, median latency as colour; the frontier joined, dominated models grey.
    Models with an unknown cost or latency are listed aside, never placed at $0. None without ranked models."""
    report = result.statistics
    ranked = {r.model: r for r in result.rankings if r.success_rate > 0}
    if report is None or not report.pareto or not ranked:
        return None
    placed = [ranked[e.model] for e in report.pareto if e.comparable and e.model in ranked]
    dominated = {e.model: e.dominated_by for e in report.pareto if e.dominated_by}
    fig = _figure(9, 5)
    ax = fig.add_subplot()
    if placed:
        points = ax.scatter(
            [r.cost_usd or 0.0 for r in placed],
            [r.component_scores.quality for r in placed],
            c=[r.latency_ms or 0.0 for r in placed],
            cmap="viridis",
            edgecolors=["grey" if r.model in dominated else "black" for r in placed],
            s=80,
        )
        fig.colorbar(points, ax=ax, label="median latency (ms)")
        front = sorted((r for r in placed if r.model not in dominated), key=lambda r: r.cost_usd or 0.0)
        ax.plot([r.cost_usd or 0.0 for r in front], [r.component_scores.quality for r in front], color="black", lw=1)
        for r in placed:
            note = f"\n(dominated by {_short(dominated[r.model][0], 16)})" if r.model in dominated else ""
            colour = "grey" if r.model in dominated else "black"
            ax.annotate(
                _short(r.model) + note,
                (r.cost_usd or 0.0, r.component_scores.quality),
                textcoords="offset points",
                xytext=(5, 5),
                fontsize=8,
                color=colour,
            )
        ax.margins(x=0.2)
    aside = [e.model for e in report.pareto if not e.comparable]
    if aside:
        ax.text(
            0.01,
            0.01,
            "not placed (cost or latency unknown): " + ", ".join(aside),
            transform=ax.transAxes,
            fontsize=8,
            color="tab:red",
        )
    ax.set_xlabel("cost per item (USD)")
    ax.set_ylabel("quality")
    ax.set_ylim(-0.05, 1.05)
    ax.ticklabel_format(axis="x", style="sci", scilimits=(-3, 3))
    ax.set_title("Pareto frontier: quality, cost and latency")
    return fig


def _svg(figure: Figure) -> str:
    """``figure`` as SVG markup with text kept as text (a fraction of the size of glyph paths) and no metadata
    (whose namespace URLs would read as links out of a self-contained page)."""
    import io

    buffer = io.StringIO()
    with rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", metadata={"Creator": None, "Date": None, "Format": None, "Type": None})
    return buffer.getvalue()


def svg_figures(result: ComparisonResult) -> dict[str, str]:
    """The figures of a run as SVG markup by caption, for the HTML report; those that do not apply are left out."""
    figures = {
        "Overall score and quality with their intervals": intervals_figure(result),
        "Pareto frontier: quality, cost and latency": pareto_figure(result),
        "Quality vs cost per item": quality_vs_cost_figure(result),
        "Pairwise quality differences": pairwise_quality_figure(result.pairwise_matrix),
    }
    return {caption: _svg(figure) for caption, figure in figures.items() if figure is not None}
