"""Per-item values of every model as arrays: what every statistic is computed from.

The values are those the ranking uses: a failed call scores 0 quality (and 0 on every metric that applies to its
item), never NaN and never dropped; NaN only marks what does not exist (no row, a metric not applicable to the
item, the latency or cost of a failed call).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from llmbench.types import ModelResult

__all__ = ["ItemTable"]


@dataclass(frozen=True)
class ItemTable:
    """Arrays of shape (models, items); ``models`` and ``items`` keep the order they first appear in."""

    models: tuple[str, ...]
    items: tuple[str, ...]
    present: np.ndarray  # a row exists
    success: np.ndarray
    quality: np.ndarray
    metrics: dict[str, np.ndarray]
    latency: np.ndarray
    cost: np.ndarray
    cost_known: np.ndarray  # (models,): at least one success and every successful row is priced

    @property
    def n_items(self) -> int:
        return len(self.items)

    def failed(self) -> np.ndarray:
        """Failed calls per model."""
        return np.sum(self.present & ~self.success, axis=1)

    def ranked(self) -> np.ndarray:
        """Models with at least one success: those the overall score ranks."""
        return np.any(self.success, axis=1)

    def select(self, order: Sequence[str]) -> ItemTable:
        """The same table with its models in ``order`` (models not named there keep their place after them)."""
        names = [m for m in order if m in self.models]
        names += [m for m in self.models if m not in names]
        rows = [self.models.index(m) for m in names]
        return ItemTable(
            models=tuple(names),
            items=self.items,
            present=self.present[rows],
            success=self.success[rows],
            quality=self.quality[rows],
            metrics={k: v[rows] for k, v in self.metrics.items()},
            latency=self.latency[rows],
            cost=self.cost[rows],
            cost_known=self.cost_known[rows],
        )

    @classmethod
    def from_results(
        cls, results: Sequence[ModelResult], item_quality: Callable[[dict[str, float]], float]
    ) -> ItemTable:
        """Arrays from result rows. A model asked the same item twice pairs its k-th answer with the others' k-th."""
        models: dict[str, int] = {}
        items: dict[str, int] = {}
        seen: dict[tuple[str, str], int] = {}
        cells: list[tuple[int, int, ModelResult]] = []
        for r in results:
            occurrence = seen.get((r.model, r.item_id), 0)
            seen[(r.model, r.item_id)] = occurrence + 1
            key = r.item_id if occurrence == 0 else f"{r.item_id}#{occurrence + 1}"
            cells.append((models.setdefault(r.model, len(models)), items.setdefault(key, len(items)), r))
        shape = (len(models), len(items))
        present = np.zeros(shape, dtype=bool)
        success = np.zeros(shape, dtype=bool)
        quality = np.full(shape, np.nan)
        latency = np.full(shape, np.nan)
        cost = np.full(shape, np.nan)
        unpriced = np.zeros(len(models), dtype=bool)
        names = sorted({name for _, _, r in cells if r.success for name in r.scores})
        metrics = {name: np.full(shape, np.nan) for name in names}
        for m, i, r in cells:
            present[m, i] = True
            if not r.success:
                quality[m, i] = 0.0
                continue
            success[m, i] = True
            quality[m, i] = item_quality(r.scores)
            for name, score in r.scores.items():
                metrics[name][m, i] = score
            if r.latency_ms is not None:
                latency[m, i] = r.latency_ms
            if r.cost_usd is None:
                unpriced[m] = True
            else:
                cost[m, i] = r.cost_usd
        for values in metrics.values():
            applies = np.any(~np.isnan(values), axis=0)  # some model's answer to the item was scored on it
            values[present & ~success & applies[None, :]] = 0.0
        return cls(
            models=tuple(models),
            items=tuple(items),
            present=present,
            success=success,
            quality=quality,
            metrics=metrics,
            latency=latency,
            cost=cost,
            cost_known=np.any(success, axis=1) & ~unpriced,
        )
