"""What changed between two runs: per model, the rank and the figures; per item, answers that flipped.

Pure functions over two :class:`ComparisonResult` values, so the same diff serves the CLI, tests and reports.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from llmbench.ranking import item_quality
from llmbench.types import ComparisonResult, ModelRanking

__all__ = ["ItemChange", "ModelDiff", "RunDiff", "diff_results"]

#: A per-item quality change smaller than this is noise in a diff, not a change worth listing.
ITEM_CHANGE_THRESHOLD = 0.25


class ModelDiff(BaseModel):
    """One model's figures in run A and run B (None where the model is absent or the figure unknown)."""

    model: str
    rank_a: int | None = None
    rank_b: int | None = None
    overall_a: float | None = None
    overall_b: float | None = None
    quality_a: float | None = None
    quality_b: float | None = None
    latency_a: float | None = None
    latency_b: float | None = None
    cost_a: float | None = None
    cost_b: float | None = None
    success_a: float | None = None
    success_b: float | None = None

    @property
    def quality_delta(self) -> float | None:
        return None if self.quality_a is None or self.quality_b is None else self.quality_b - self.quality_a


class ItemChange(BaseModel):
    """An item whose answer by one model went from good to bad (or back) between the runs."""

    model: str
    item_id: str
    quality_a: float | None
    quality_b: float | None
    status_a: str
    status_b: str


class RunDiff(BaseModel):
    a: str
    b: str
    winner_a: str | None
    winner_b: str | None
    models: list[ModelDiff]
    only_in_a: list[str] = Field(default_factory=list)
    only_in_b: list[str] = Field(default_factory=list)
    shared_items: int = 0
    item_changes: list[ItemChange] = Field(default_factory=list)


def _fill(diff: ModelDiff, r: ModelRanking, side: str) -> None:
    values = {
        "rank": r.rank,
        "overall": r.overall_score,
        "quality": r.component_scores.quality,
        "latency": r.latency_ms,
        "cost": r.cost_usd,
        "success": r.success_rate,
    }
    for name, value in values.items():
        setattr(diff, f"{name}_{side}", value)


def _row_state(result: ComparisonResult) -> dict[tuple[str, str], tuple[float | None, str]]:
    state: dict[tuple[str, str], tuple[float | None, str]] = {}
    for row in result.results:
        quality = item_quality(row.scores) if row.success else None
        state[(row.model, row.item_id)] = (quality, "ok" if row.success else (row.error_type or "failed"))
    return state


def diff_results(a: ComparisonResult, b: ComparisonResult, *, names: tuple[str, str] = ("A", "B")) -> RunDiff:
    """Model by model and item by item differences from ``a`` to ``b``."""
    ranks_a = {r.model: r for r in a.rankings}
    ranks_b = {r.model: r for r in b.rankings}
    order = [r.model for r in sorted(b.rankings, key=lambda r: r.rank)]
    order += [m for m in (r.model for r in sorted(a.rankings, key=lambda r: r.rank)) if m not in ranks_b]
    models = []
    for model in order:
        diff = ModelDiff(model=model)
        if model in ranks_a:
            _fill(diff, ranks_a[model], "a")
        if model in ranks_b:
            _fill(diff, ranks_b[model], "b")
        models.append(diff)
    state_a, state_b = _row_state(a), _row_state(b)
    changes = []
    for key in sorted(set(state_a) & set(state_b)):
        (qa, sa), (qb, sb) = state_a[key], state_b[key]
        flipped = sa != sb or (qa is not None and qb is not None and abs(qb - qa) >= ITEM_CHANGE_THRESHOLD)
        if flipped:
            changes.append(
                ItemChange(model=key[0], item_id=key[1], quality_a=qa, quality_b=qb, status_a=sa, status_b=sb)
            )
    return RunDiff(
        a=names[0],
        b=names[1],
        winner_a=a.winner,
        winner_b=b.winner,
        models=models,
        only_in_a=sorted(set(ranks_a) - set(ranks_b)),
        only_in_b=sorted(set(ranks_b) - set(ranks_a)),
        shared_items=len({i for _, i in set(state_a) & set(state_b)}),
        item_changes=changes,
    )
