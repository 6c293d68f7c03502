"""The Pareto frontier of quality (higher is better), cost per item and median latency (lower is better).

A model is dominated by another that is at least as good on all three and strictly better on one. Dominance is
only claimed between models whose three figures are known: a model with an unknown price (or no latency) is not
placed, because it might be cheaper than everything or dearer than everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from llmbench.stats.models import ParetoEntry

__all__ = ["Point", "pareto_frontier"]


@dataclass(frozen=True)
class Point:
    model: str
    quality: float
    cost: float | None
    latency: float | None

    @property
    def comparable(self) -> bool:
        return self.cost is not None and self.latency is not None


def _dominates(a: Point, b: Point) -> bool:
    assert a.cost is not None and a.latency is not None and b.cost is not None and b.latency is not None
    at_least = a.quality >= b.quality and a.cost <= b.cost and a.latency <= b.latency
    strictly = a.quality > b.quality or a.cost < b.cost or a.latency < b.latency
    return at_least and strictly


def pareto_frontier(points: Sequence[Point]) -> list[ParetoEntry]:
    """One entry per point, in the given order."""
    placed = [p for p in points if p.comparable]
    return [
        ParetoEntry(
            model=p.model,
            comparable=p.comparable,
            dominated_by=[q.model for q in placed if q is not p and _dominates(q, p)] if p.comparable else [],
        )
        for p in points
    ]
