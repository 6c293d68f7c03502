"""Choosing a model for a prompt from learned profiles, under hard constraints.

Every strategy is the same weighted sum of three terms, each normalised to [0, 1] across the candidates that
pass the constraints (the best candidate on a term gets 1)::

    quality = q / max(q)                              q: expected quality on the task type
    speed   = min(p50) / p50                          p50: median latency
    cost    = (min(c) + eps) / (c + eps)              c: estimated USD of this request, eps = 1e-6
    score   = w_quality * quality + w_speed * speed + w_cost * cost

``quality`` uses weights (1, 0, 0), ``latency`` (0, 1, 0), ``cost_optimized`` (0, 0, 1) and ``balanced`` the
configured :class:`RoutingWeights` (0.5, 0.25, 0.25 by default). Ratios to the best, rather than min-max scaling,
keep a 0.90-vs-0.91 quality gap small instead of stretching it to 0-vs-1, and never tie two candidates by
construction. Ties go to higher quality, then lower latency, lower cost and the identifier. An unknown cost scores 0.

Constraints are applied in the order of ``CONSTRAINT_ORDER``; when none survive, the error names the constraint
that removed the last candidates, with the closest one it removed.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import NamedTuple

from llmbench.router.classifier import classify_task
from llmbench.router.explain import (
    CONSTRAINT_ORDER,
    UNKNOWN_MS,
    Row,
    Scored,
    alternative,
    described,
    excluded,
    money,
    none_left,
)
from llmbench.router.profiles import load_profiles
from llmbench.router.store import ProfileStore
from llmbench.router.types import (
    QUALITY_Z,
    ModelConstraints,
    ModelProfile,
    ModelSelection,
    ProfileSource,
    RoutingStrategy,
    RoutingWeights,
    TaskStats,
    UnprofiledPolicy,
)
from llmbench.types import ModelConfig, TaskType

__all__ = ["CONSTRAINT_ORDER", "DEFAULT_PRIOR", "ModelRouter"]

#: What an unprofiled model is assumed to be when the policy is ``prior``: middling, slow-ish, cost unknown.
DEFAULT_PRIOR = TaskStats(
    quality_mean=0.5, quality_stderr=0.2, latency_p50_ms=1000, latency_p95_ms=3000, output_tokens=256
)
_COST_EPS = 1e-6
_DEFAULT_OUTPUT_TOKENS = 256
_FIXED_WEIGHTS = {
    RoutingStrategy.QUALITY: RoutingWeights(quality=1, speed=0, cost=0),
    RoutingStrategy.LATENCY: RoutingWeights(quality=0, speed=1, cost=0),
    RoutingStrategy.COST_OPTIMIZED: RoutingWeights(quality=0, speed=0, cost=1),
}
_NO_CONSTRAINTS = ModelConstraints()


def _row(profile: ModelProfile | None, stats: TaskStats, per_task: bool, source: ProfileSource) -> Row | None:
    if stats.quality_mean is None:
        return None
    interval = stats.quality_interval(QUALITY_Z) or (stats.quality_mean, stats.quality_mean)
    price = profile.price if profile is not None else None
    if price is not None:
        in_tok, out_tok = price.input_per_mtok / 1e6, price.output_per_mtok / 1e6
    elif stats.cost_per_1k_tokens is not None:
        in_tok = out_tok = stats.cost_per_1k_tokens / 1000
    else:
        in_tok = out_tok = -1.0
    out_tokens = round(stats.output_tokens) if stats.output_tokens is not None else _DEFAULT_OUTPUT_TOKENS
    return Row(
        q=stats.quality_mean,
        q_low=interval[0],
        q_high=interval[1],
        p50=stats.latency_p50_ms if stats.latency_p50_ms is not None else math.inf,
        p95=stats.latency_p95_ms if stats.latency_p95_ms is not None else math.inf,
        out_tokens=out_tokens,
        in_per_tok=in_tok,
        out_cost=out_tok * out_tokens,
        ctx=(profile.context_limit or 0) if profile is not None else 0,
        source=source,
        n=stats.sample_count,
        per_task=per_task,
    )


@lru_cache(maxsize=64)
def _weights_text(strategy: RoutingStrategy, quality: float, speed: float, cost: float) -> tuple[str, str, str, str]:
    """The fixed head of the reasoning's strategy sentence and the weights as text: the same on every call."""
    wq, ws, wc = f"{quality:.2f}", f"{speed:.2f}", f"{cost:.2f}"
    return f"Strategy {strategy} (weights quality {wq}, speed {ws}, cost {wc}): ", wq, ws, wc


class _Flat(NamedTuple):
    """The figures of a :class:`Row` that screening and scoring read, as plain floats (unknown latency clamped)."""

    q: float
    q_low: float
    p50: float  # UNKNOWN_MS when unknown
    p95: float  # UNKNOWN_MS when unknown
    room: float  # context left for the prompt after the typical output; inf when the context is unknown
    ctx: float  # 0 when unknown
    in_per_tok: float  # -1 when the price is unknown
    out_cost: float


def _flat(row: Row) -> _Flat:
    return _Flat(
        float(row.q),
        float(row.q_low),
        float(min(row.p50, UNKNOWN_MS)),
        float(min(row.p95, UNKNOWN_MS)),
        float(row.ctx - row.out_tokens) if row.ctx else math.inf,
        float(row.ctx),
        float(row.in_per_tok),
        float(row.out_cost),
    )


def _cost(f: _Flat, ptok: int) -> float:
    """Estimated USD of a request with ``ptok`` prompt tokens; -1 when the price is unknown."""
    return ptok * f.in_per_tok + f.out_cost if f.in_per_tok >= 0 else -1.0


def _screen(
    flats: Sequence[_Flat], ptok: int, c: ModelConstraints
) -> tuple[list[tuple[int, float, float, float]], tuple[list[int], ...]]:
    """Candidates that pass every constraint as (index, quality, p50, cost or -1), and the indices each removed.

    ``failed[k]`` holds, in candidate order, the candidates whose first failed constraint is ``CONSTRAINT_ORDER[k]``
    (``failed[0]``, no profile, is the caller's to fill). A plain loop: for ~100 candidates it beats numpy, whose
    per-call overhead outweighs the arithmetic.
    """
    min_ctx = c.min_context_tokens or 0
    min_q = -math.inf if c.min_quality is None else c.min_quality
    max_lat = math.inf if c.max_latency_ms is None else c.max_latency_ms
    max_cost = c.max_cost_usd
    feasible: list[tuple[int, float, float, float]] = []
    failed: tuple[list[int], ...] = ([], [], [], [], [], [])
    for i, (q, q_low, p50, p95, room, ctx, in_tok, out_cost) in enumerate(flats):
        if room < ptok:  # ctx < ptok + output tokens, exact: both are whole numbers
            failed[1].append(i)
        elif ctx < min_ctx:
            failed[2].append(i)
        elif q_low < min_q:
            failed[3].append(i)
        elif p95 > max_lat:
            failed[4].append(i)
        elif in_tok < 0:
            if max_cost is None:
                feasible.append((i, q, p50, -1.0))
            else:
                failed[5].append(i)
        else:
            cost = ptok * in_tok + out_cost
            if max_cost is not None and cost > max_cost:
                failed[5].append(i)
            else:
                feasible.append((i, q, p50, cost))
    return feasible, failed


def _top4(
    feasible: list[tuple[int, float, float, float]], w: RoutingWeights
) -> list[tuple[float, float, float, float, int, float, float, float]]:
    """The four best as (-score, -quality, p50, cost or inf, index, quality, speed, cost terms), best first.

    Sorting on the tuple's head breaks ties by higher quality, lower latency, lower cost, then candidate order.
    """
    q_max = max([f[1] for f in feasible]) or 1.0
    p_min = min([f[2] for f in feasible])
    known = [f[3] for f in feasible if f[3] >= 0]  # a known cost is never negative
    c_min = (min(known) if known else 0.0) + _COST_EPS
    wq, ws, wc = w.quality, w.speed, w.cost
    keys = []
    for i, q, p50, cost in feasible:
        nq = q / q_max
        ns = p_min / (p50 if p50 > 1e-9 else 1e-9)
        nc = c_min / (cost + _COST_EPS) if cost >= 0 else 0.0  # an unknown cost scores 0
        keys.append((-(wq * nq + ws * ns + wc * nc), -q, p50, cost if cost >= 0 else math.inf, i, nq, ns, nc))
    return heapq.nsmallest(4, keys)


class ModelRouter:
    """Picks a model for a prompt: ``ModelRouter(store).select_model(prompt, available, constraints)``.

    Profiles come from ``profiles`` or ``store`` (learned) laid over the simulated models' declared profiles
    (``include_declared``, default on unless explicit ``profiles`` are given). Call :meth:`refresh` to reread the
    store. A candidate with no profile is excluded, or with ``unprofiled="prior"`` scored with ``prior`` and
    flagged in the reasoning. Per-task statistics are used once they rest on ``min_task_samples`` results.
    """

    def __init__(
        self,
        store: ProfileStore | None = None,
        profiles: Mapping[str, ModelProfile] | None = None,
        *,
        strategy: RoutingStrategy = RoutingStrategy.BALANCED,
        weights: RoutingWeights | None = None,
        unprofiled: UnprofiledPolicy = UnprofiledPolicy.EXCLUDE,
        prior: TaskStats = DEFAULT_PRIOR,
        min_task_samples: int = 5,
        include_declared: bool | None = None,
    ) -> None:
        self.store = store
        self.strategy = RoutingStrategy(strategy)
        self.weights = weights or RoutingWeights()
        self.unprofiled = UnprofiledPolicy(unprofiled)
        self.prior = prior
        self.min_task_samples = min_task_samples
        self._explicit = dict(profiles) if profiles is not None else None
        self._include_declared = include_declared if include_declared is not None else profiles is None
        prior_row = _row(None, prior, False, ProfileSource.PRIOR)
        self._prior_row = described(prior_row, TaskType.GENERAL, min_task_samples) if prior_row else None
        self._prior_flat = _flat(self._prior_row) if self._prior_row is not None else None
        self.refresh()

    def refresh(self) -> None:
        """Reread profiles and rebuild the per-task tables."""
        profiles = load_profiles(self.store if self._explicit is None else None, self._include_declared)
        profiles.update(self._explicit or {})
        self.profiles = profiles
        self._tables: dict[TaskType, dict[str, Row]] = {}
        self._flats: dict[TaskType, dict[str, _Flat]] = {}
        self._all: dict[TaskType, tuple[list[str], list[Row], list[_Flat]]] = {}
        for task in TaskType:
            table = {}
            for name, profile in profiles.items():
                stats, per_task = profile.stats_for(task, self.min_task_samples)
                row = _row(profile, stats, per_task, profile.source)
                if row is not None:
                    table[name] = described(row, task, self.min_task_samples)
            table = dict(sorted(table.items()))  # candidate order = identifier order: ties break by name
            self._tables[task] = table
            self._flats[task] = {name: _flat(row) for name, row in table.items()}
            self._all[task] = (list(table), list(table.values()), list(self._flats[task].values()))

    def select_model(
        self,
        prompt: str,
        available: Iterable[str | ModelConfig] | None = None,
        constraints: ModelConstraints | None = None,
        *,
        strategy: RoutingStrategy | None = None,
        task_type: TaskType | None = None,
    ) -> ModelSelection:
        """The best candidate for ``prompt``; raises :class:`NoModelsMeetConstraints` when none qualifies."""
        task = task_type or classify_task(prompt)
        strategy = RoutingStrategy(strategy) if strategy else self.strategy
        weights = _FIXED_WEIGHTS.get(strategy, self.weights)
        c = constraints or _NO_CONSTRAINTS
        table = self._tables[task]
        no_profile: list[tuple[str, Row | None, float]] = []
        if available is None:
            names, rows, flats = self._all[task]
        else:
            chosen = []
            for a in available:
                name = a.identifier if isinstance(a, ModelConfig) else a
                if name in table or self.unprofiled is UnprofiledPolicy.PRIOR:
                    chosen.append(name)
                else:
                    no_profile.append((name, None, -1.0))
            names = sorted(set(chosen))
            rows = [table.get(n) or self._prior_row for n in names]  # type: ignore[misc]
            task_flats = self._flats[task]
            flats = [task_flats.get(n) or self._prior_flat for n in names]  # type: ignore[misc]
        used_prior = self.unprofiled is UnprofiledPolicy.PRIOR and any(r.source is ProfileSource.PRIOR for r in rows)
        ptok = max(1, round(len(prompt) / 4))
        feasible, failed = _screen(flats, ptok, c)
        excluded = {k: len(f) for k, f in zip(CONSTRAINT_ORDER, failed, strict=True) if f}
        if no_profile:
            excluded = {"profile": len(no_profile), **excluded}

        def removed() -> dict[str, list[tuple[str, Row | None, float]]]:
            out: dict[str, list[tuple[str, Row | None, float]]] = {"profile": no_profile} if no_profile else {}
            for k, indices in zip(CONSTRAINT_ORDER[1:], failed[1:], strict=True):
                if indices:
                    out[k] = [(names[i], rows[i], _cost(flats[i], ptok)) for i in indices]
            return out

        if not feasible:
            raise none_left(names or [n for n, _, _ in no_profile], removed(), c, ptok)
        scored = [
            (neg_score, neg_q, p50, cost, names[i], rows[i], nq, ns, nc)
            for neg_score, neg_q, p50, cost, i, nq, ns, nc in _top4(feasible, weights)
        ]
        lazy_removed = removed() if len(scored) < 4 else {}
        return self._selection(
            task, task_type is not None, strategy, weights, scored, lazy_removed, excluded, ptok, names, used_prior
        )

    def _selection(
        self,
        task: TaskType,
        given: bool,
        strategy: RoutingStrategy,
        weights: RoutingWeights,
        scored: list[Scored],
        removed: dict[str, list[tuple[str, Row | None, float]]],
        counts: dict[str, int],
        ptok: int,
        names: list[str],
        used_prior: bool,
    ) -> ModelSelection:
        neg_score, _, _, cost, name, row, nq, ns, nc = scored[0]
        cost_text = money(cost)
        weights_text, w0, w1, w2 = _weights_text(strategy, weights.quality, weights.speed, weights.cost)
        lines = [
            f"Task type {task} ({'given' if given else 'classified from the prompt'}).",
            f"{weights_text}{name} scored {-neg_score:.3f} = {w0}×{nq:.3f} quality + {w1}×{ns:.3f} speed + "
            f"{w2}×{nc:.3f} cost, each term relative to the best of {len(scored)} eligible candidates.",
            f"{row.figures}, cost {cost_text} for ~{ptok}+{row.out_tokens} tokens, from {row.basis}.",
        ]
        if counts:
            lines.append("Excluded " + ", ".join(f"{v} by {k}" for k, v in counts.items()) + ".")
        w = (weights.quality, weights.speed, weights.cost)
        alternatives = [alternative(scored[0], alt, w, cost_text) for alt in scored[1:4]]
        shown = [r[5] for r in scored[:4]]
        if len(alternatives) < 3:
            dropped = [(k, g) for k in CONSTRAINT_ORDER for g in removed.get(k, [])]
            dropped.sort(key=lambda kg: -(kg[1][1].q if kg[1][1] else -1))
            dropped = dropped[: 3 - len(alternatives)]
            alternatives += [excluded(k, g, ptok) for k, g in dropped]
            shown += [g[1] for _, g in dropped if g[1] is not None]
        notes = []
        sources = {r.source for r in shown}
        if ProfileSource.DECLARED in sources:
            notes.append(
                "Simulated models are judged on their declared characteristics (initial profiles, not measurements);"
                " run a benchmark to learn real profiles."
            )
        if used_prior:
            p = self.prior
            unknown = ", ".join(n for n in names if n not in self._tables[task])
            notes.append(
                f"Models without a profile were scored with the prior (quality {p.quality_mean}, "
                f"p95 {p.latency_p95_ms} ms, cost unknown): {unknown}."
            )
        return ModelSelection(
            model=name,
            task_type=task,
            task_type_source="given" if given else "classified",
            strategy=strategy,
            weights=weights,
            score=-neg_score,
            components={"quality": nq, "speed": ns, "cost": nc},
            expected_quality=row.q,
            quality_interval=(row.q_low, row.q_high),
            expected_latency_ms=None if math.isinf(row.p50) else row.p50,
            latency_p95_ms=None if math.isinf(row.p95) else row.p95,
            estimated_cost_usd=None if cost == math.inf else cost,
            estimated_input_tokens=ptok,
            estimated_output_tokens=row.out_tokens,
            profile_source=row.source,
            sample_count=row.n,
            per_task_profile=row.per_task,
            reasoning=" ".join(lines),
            notes=notes,
            alternatives=alternatives,
            candidates=len(names),
            excluded=counts,
        )
