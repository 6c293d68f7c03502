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

import math
from collections.abc import Iterable, Mapping

import numpy as np

from llmbench.router.classifier import classify_task
from llmbench.router.explain import CONSTRAINT_ORDER, UNKNOWN_MS, Row, alternative, excluded, money, ms, none_left
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


def _matrix(rows: list[Row]) -> np.ndarray:
    """Rows as a float matrix (columns as in Row up to ctx), unknown latencies replaced by UNKNOWN_MS."""
    if not rows:
        return np.zeros((0, 9))
    m = np.array([r[:9] for r in rows], dtype=float)
    m[:, 3:5] = np.minimum(m[:, 3:5], UNKNOWN_MS)
    return m


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
        self._prior_row = _row(None, prior, False, ProfileSource.PRIOR)
        self.refresh()

    def refresh(self) -> None:
        """Reread profiles and rebuild the per-task tables."""
        profiles = load_profiles(self.store if self._explicit is None else None, self._include_declared)
        profiles.update(self._explicit or {})
        self.profiles = profiles
        self._tables: dict[TaskType, dict[str, Row]] = {}
        self._matrices: dict[TaskType, np.ndarray] = {}
        for task in TaskType:
            table = {}
            for name, profile in profiles.items():
                stats, per_task = profile.stats_for(task, self.min_task_samples)
                row = _row(profile, stats, per_task, profile.source)
                if row is not None:
                    table[name] = row
            table = dict(sorted(table.items()))  # candidate order = identifier order: ties break by name
            self._tables[task] = table
            self._matrices[task] = _matrix(list(table.values()))

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
            names, rows, m = list(table), list(table.values()), self._matrices[task]
        else:
            names = []
            for a in available:
                name = a.identifier if isinstance(a, ModelConfig) else a
                if name in table or self.unprofiled is UnprofiledPolicy.PRIOR:
                    names.append(name)
                else:
                    no_profile.append((name, None, -1.0))
            names = sorted(set(names))
            rows = [table.get(n) or self._prior_row for n in names]  # type: ignore[misc]
            m = _matrix(rows)
        used_prior = self.unprofiled is UnprofiledPolicy.PRIOR and any(r.source is ProfileSource.PRIOR for r in rows)
        ptok = max(1, round(len(prompt) / 4))

        # Vectorised over candidates: code = the first constraint (index into CONSTRAINT_ORDER) a candidate fails.
        # Later constraints are written first so that earlier ones overwrite them.
        q, q_low, p50, p95, out, in_tok, out_cost, ctx = (m[:, i] for i in (0, 1, 3, 4, 5, 6, 7, 8))
        known = in_tok >= 0
        cost = np.where(known, ptok * in_tok + out_cost, -1.0)
        code = np.zeros(len(rows), dtype=np.intp)
        if c.max_cost_usd is not None:
            code[~known | (cost > c.max_cost_usd)] = 5
        if c.max_latency_ms is not None:
            code[p95 > c.max_latency_ms] = 4
        if c.min_quality is not None:
            code[q_low < c.min_quality] = 3
        if c.min_context_tokens:
            code[ctx < c.min_context_tokens] = 2
        code[(ctx > 0) & (ctx < ptok + out)] = 1
        feasible = np.flatnonzero(code == 0)
        counts = np.bincount(code, minlength=len(CONSTRAINT_ORDER)).tolist()
        counts[0] = len(no_profile)
        excluded = {k: n for k, n in zip(CONSTRAINT_ORDER, counts, strict=True) if n}

        def removed() -> dict[str, list[tuple[str, Row | None, float]]]:
            out_: dict[str, list[tuple[str, Row | None, float]]] = {"profile": no_profile} if no_profile else {}
            for i in np.flatnonzero(code).tolist():
                out_.setdefault(CONSTRAINT_ORDER[code[i]], []).append((names[i], rows[i], float(cost[i])))
            return out_

        if feasible.size == 0:
            raise none_left(names or [n for n, _, _ in no_profile], removed(), c, ptok)

        fq, fp, fc, fk = q[feasible], p50[feasible], cost[feasible], known[feasible]
        nq = fq / (fq.max() or 1.0)
        ns = fp.min() / np.maximum(fp, 1e-9)
        c_min = fc[fk].min() if fk.any() else 0.0
        nc = np.where(fk, (c_min + _COST_EPS) / (np.where(fk, fc, 0.0) + _COST_EPS), 0.0)
        score = weights.quality * nq + weights.speed * ns + weights.cost * nc
        sort_cost = np.where(fk, fc, np.inf)
        top = np.lexsort((feasible, sort_cost, fp, -fq, -score))[:4].tolist()
        scored = [
            (
                -float(score[j]),
                -float(fq[j]),
                float(fp[j]),
                float(sort_cost[j]),
                names[feasible[j]],
                rows[feasible[j]],
                float(nq[j]),
                float(ns[j]),
                float(nc[j]),
            )
            for j in top
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
        scored: list[tuple],  # type: ignore[type-arg]
        removed: dict[str, list[tuple[str, Row | None, float]]],
        counts: dict[str, int],
        ptok: int,
        names: list[str],
        used_prior: bool,
    ) -> ModelSelection:
        neg_score, _, _, _, name, row, nq, ns, nc = scored[0]
        cost = scored[0][3] if scored[0][3] < math.inf else None
        lines = [f"Task type {task} ({'given' if given else 'classified from the prompt'})."]
        w = (weights.quality, weights.speed, weights.cost)
        lines.append(
            f"Strategy {strategy} (weights quality {w[0]:.2f}, speed {w[1]:.2f}, cost {w[2]:.2f}): {name} scored "
            f"{-neg_score:.3f} = {w[0]:.2f}×{nq:.3f} quality + {w[1]:.2f}×{ns:.3f} speed + {w[2]:.2f}×{nc:.3f} cost, "
            f"each term relative to the best of {len(scored)} eligible candidates."
        )
        if row.source is not ProfileSource.LEARNED:
            basis = f"{row.source} figures (no measurement yet)"
        elif row.per_task:
            basis = f"{row.n} {task} results"
        else:
            basis = f"its overall profile ({row.n} results; fewer than {self.min_task_samples} on {task})"
        lines.append(
            f"Expected quality {row.q:.3f} (90% interval {row.q_low:.3f}-{row.q_high:.3f}), p50 {ms(row.p50)}, "
            f"p95 {ms(row.p95)}, cost {money(cost)} for ~{ptok}+{row.out_tokens} tokens, from {basis}."
        )
        if counts:
            lines.append("Excluded " + ", ".join(f"{v} by {k}" for k, v in counts.items()) + ".")
        alternatives = [alternative(scored[0], alt, w) for alt in scored[1:4]]
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
            estimated_cost_usd=cost,
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
