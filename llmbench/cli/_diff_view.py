"""How ``runs diff`` prints a :class:`~llmbench.report.RunDiff`: one table of models, then the answers that flipped."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from llmbench.report import ModelDiff, RunDiff

__all__ = ["print_diff"]

#: Answers that flipped, printed at most (all of them are in --json).
MAX_ITEM_CHANGES = 20


def _pair(a: float | None, b: float | None, fmt: str, delta: float | None = None, better: int = 1) -> str:
    """``a → b (±d)``, the change coloured by whether it is better (``better`` 1: higher is better, -1: lower)."""
    text_a = "—" if a is None else format(a, fmt)
    text_b = "—" if b is None else format(b, fmt)
    if delta is None or a is None or b is None or abs(delta) < 1e-12:
        return f"{text_a} → {text_b}" if text_a != text_b else text_b
    colour = "green" if delta * better > 0 else "red"
    return f"{text_a} → {text_b} [{colour}]({delta:+{fmt}})[/{colour}]"


def _rank(m: ModelDiff) -> str:
    if m.rank_a == m.rank_b:
        return str(m.rank_b)
    return f"{m.rank_a or '—'} → {m.rank_b or '—'}"


def print_diff(console: Console, diff: RunDiff, name_a: str, name_b: str) -> None:
    console.print(f"A  {diff.a[:8]}  {name_a}", highlight=False)
    console.print(f"B  {diff.b[:8]}  {name_b}", highlight=False)
    winner = diff.winner_b if diff.winner_a == diff.winner_b else f"{diff.winner_a or '—'} → {diff.winner_b or '—'}"
    console.print(f"winner: {winner}", highlight=False)
    if diff.shared_items < max(diff.items_a, diff.items_b):
        console.print(
            f"[yellow]items differ:[/yellow] {diff.items_a} in A, {diff.items_b} in B, {diff.shared_items} in both; "
            "figures compare different questions",
            highlight=False,
        )
    table = Table(title="A → B per model (B's rank order)", title_justify="left")
    for column in ("model", "rank", "quality", "overall", "p50 ms", "cost/item", "success"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for m in diff.models:
        table.add_row(
            m.model,
            _rank(m),
            _pair(m.quality_a, m.quality_b, ".3f", m.delta("quality")),
            _pair(m.overall_a, m.overall_b, ".3f", m.delta("overall")),
            _pair(m.latency_a, m.latency_b, ".0f", m.delta("latency"), better=-1),
            _pair(m.cost_a, m.cost_b, ".6f", m.delta("cost"), better=-1),
            _pair(m.success_a, m.success_b, ".0%", m.delta("success")),
        )
    console.print(table)
    for label, models in (("only in A", diff.only_in_a), ("only in B", diff.only_in_b)):
        if models:
            console.print(f"{label}: {', '.join(models)}", highlight=False)
    changes = diff.item_changes
    console.print(f"{len(changes)} answers changed (quality by 0.25 or more, or failed ↔ answered)", highlight=False)
    for c in changes[:MAX_ITEM_CHANGES]:
        qa = c.status_a if c.quality_a is None else f"{c.quality_a:.2f}"
        qb = c.status_b if c.quality_b is None else f"{c.quality_b:.2f}"
        console.print(f"  {c.model} / {c.item_id}: {qa} → {qb}", highlight=False)
    if len(changes) > MAX_ITEM_CHANGES:
        console.print(f"  … {len(changes) - MAX_ITEM_CHANGES} more (--json lists all)", highlight=False)
