"""How every report writes a figure: rounded, unknowns as a dash or "price unknown", never a fake 0.

Shared by the Markdown, HTML and flat-row renderers so the CLI, Prefect, MLflow and the HTML file agree.
"""

from __future__ import annotations

from llmbench.types import ComparisonResult, Interval, ModelRanking, ModelResult

__all__ = [
    "DASH",
    "PRICE_UNKNOWN",
    "cost_text",
    "excerpt",
    "group_text",
    "interval_text",
    "md_cell",
    "money",
    "ms",
    "n_items",
    "num",
    "row_notes",
    "score_names",
    "sig",
    "simulated_models",
]

DASH = "—"
PRICE_UNKNOWN = "price unknown"


def num(value: float | None, digits: int = 3) -> str:
    return DASH if value is None else f"{value:.{digits}f}"


def ms(value: float | None) -> str:
    return DASH if value is None else f"{value:,.0f}"


def money(value: float | None) -> str:
    """Dollars to the cent's ten-thousandth; an unknown amount is "price unknown", never $0."""
    return PRICE_UNKNOWN if value is None else f"${value:.6f}"


def sig(value: float | None, digits: int = 4) -> float | None:
    """``value`` rounded to ``digits`` significant figures (costs of 1e-6 keep their digits), None stays None."""
    return None if value is None else float(f"{value:.{digits}g}")


def interval_text(interval: Interval | None, digits: int = 3) -> str:
    """``[low, high]`` of an interval, or a dash when there is none."""
    return DASH if interval is None else f"[{interval.low:.{digits}f}, {interval.high:.{digits}f}]"


def group_text(ranking: ModelRanking, rankings: list[ModelRanking]) -> str:
    """The rank group, with "=" when another model shares it (a tie); the position when there are no groups."""
    if ranking.rank_group is None:
        return str(ranking.rank)
    shared = sum(1 for r in rankings if r.rank_group == ranking.rank_group) > 1
    return f"{ranking.rank_group}{'=' if shared else ''}"


def cost_text(ranking: ModelRanking) -> str:
    """Cost per item as every view shows it: dollars, "price unknown", or a dash when nothing was measured."""
    if ranking.cost_usd is not None:
        return money(ranking.cost_usd)
    # Known price but no successful call: the cost is not measured, which is different from an unknown price.
    return PRICE_UNKNOWN if not ranking.price_known else DASH


def excerpt(text: str | None, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with "…" when longer."""
    value = " ".join((text or "").split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def md_cell(text: object, limit: int | None = None, *, lines: bool = False) -> str:
    """``text`` as one Markdown table cell: pipes escaped, ``<``/``>`` as entities (answers are untrusted, and a
    renderer must not take them for HTML), shortened to ``limit``; ``lines`` keeps line breaks as ``<br>``."""
    raw = str(text)
    if lines:
        parts = [" ".join(line.split()) for line in raw.strip().splitlines()]
        value = "\n".join(parts)
    else:
        value = " ".join(raw.split())
    if limit is not None and len(value) > limit:
        value = value[: limit - 1] + "…"
    value = value.replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
    return value.replace("\n", "<br>") if lines else value


def n_items(result: ComparisonResult) -> int:
    return len(result.items) if result.items else len({r.item_id for r in result.results})


def simulated_models(result: ComparisonResult) -> list[str]:
    return sorted({r.model for r in result.results if r.simulated})


def score_names(result: ComparisonResult) -> list[str]:
    """Metrics configured first, then any other score seen, so every row has the same columns."""
    names = list(result.metrics)
    for r in result.results:
        names.extend(k for k in r.scores if k not in names)
    return list(dict.fromkeys(names))


def row_notes(row: ModelResult) -> list[str]:
    """What a reader must know about one answer before trusting its scores."""
    notes = []
    if not row.success:
        notes.append(f"failed: {row.error_type or 'error'}")
    if row.truncated:
        notes.append("truncated (max_tokens)")
    if row.cached:
        notes.append("cached")
    return notes
