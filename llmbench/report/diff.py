"""What changed between two runs: per model the rank and the figures; per item the answers that flipped.

Pure functions over two :class:`ComparisonResult` values, so the same diff serves the CLI, tests and reports.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from llmbench.evaluators import item_quality
from llmbench.types import ComparisonResult, ModelRanking

__all__ = ["ITEM_CHANGE_THRESHOLD", "ItemChange", "ModelDiff", "RunDiff", "diff_results"]

#: A per-item quality change smaller than this is noise in a diff, not a change worth listing.
ITEM_CHANGE_THRESHOLD = 0.25

_FIGURES = ("rank", "overall", "quality", "latency", "cost", "success")


class ModelDiff(BaseModel):
    """One model's figures in run A and run B (None where the model is absent or the figure unknown)."""

    model: str
    rank_a: int | None = None
    rank_b: int | None = None
    overall_a: float | None = None
    overall_b: float | None = None
    quality_a: float | None = None
    quality_b: float | None = None
    latency_a: float | None = Field(default=None, description="Median latency in ms")
    latency_b: float | None = None
    cost_a: float | None = Field(default=None, description="Mean cost per item in USD; None when unknown")
    cost_b: float | None = None
    success_a: float | None = None
    success_b: float | None = None

    def delta(self, figure: str) -> float | None:
        """B − A of ``figure`` (one of rank, overall, quality, latency, cost, success); None when either is unknown."""
        a, b = getattr(self, f"{figure}_a"), getattr(self, f"{figure}_b")
        return None if a is None or b is None else b - a


class ItemChange(BaseModel):
    """An answer by one model that went from good to bad (or back), or from answered to failed, between the runs."""

    model: str
    item_id: str
    quality_a: float | None = Field(description="None when the call failed")
    quality_b: float | None
    status_a: str = Field(description="'ok' or the error type")
    status_b: str


class RunDiff(BaseModel):
    """Run B against run A."""

    a: str
    b: str
    winner_a: str | None
    winner_b: str | None
    models: list[ModelDiff]
    only_in_a: list[str] = Field(default_factory=list)
    only_in_b: list[str] = Field(default_factory=list)
    items_a: int = 0
    items_b: int = 0
    shared_items: int = Field(default=0, description="Items (by id) both runs asked")
    item_changes: list[ItemChange] = Field(default_factory=list)


def _fill(diff: ModelDiff, r: ModelRanking, side: str) -> None:
    values = (r.rank, r.overall_score, r.component_scores.quality, r.latency_ms, r.cost_usd, r.success_rate)
    for name, value in zip(_FIGURES, values, strict=True):
        setattr(diff, f"{name}_{side}", value)


def _row_state(result: ComparisonResult) -> dict[tuple[str, str], tuple[float | None, str]]:
    state: dict[tuple[str, str], tuple[float | None, str]] = {}
    for row in result.results:
        quality = item_quality(row.scores) if row.success else None
        state[(row.model, row.item_id)] = (quality, "ok" if row.success else (row.error_type or "failed"))
    return state


def _item_ids(result: ComparisonResult) -> set[str]:
    return {i.id for i in result.items} or {r.item_id for r in result.results}


def diff_results(a: ComparisonResult, b: ComparisonResult, *, names: tuple[str, str] = ("A", "B")) -> RunDiff:
    """Model by model and item by item differences from ``a`` to ``b``; models in B's rank order, then A-only."""
    ranks_a = {r.model: r for r in a.rankings}
    ranks_b = {r.model: r for r in b.rankings}
    order = [r.model for r in sorted(b.rankings, key=lambda r: r.rank)]
    order += [r.model for r in sorted(a.rankings, key=lambda r: r.rank) if r.model not in ranks_b]
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
        if sa != sb or (qa is not None and qb is not None and abs(qb - qa) >= ITEM_CHANGE_THRESHOLD):
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
        items_a=len(_item_ids(a)),
        items_b=len(_item_ids(b)),
        shared_items=len(_item_ids(a) & _item_ids(b)),
        item_changes=changes,
    )
