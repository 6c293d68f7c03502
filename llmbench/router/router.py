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
from typing import NamedTuple

from llmbench.errors import NoModelsMeetConstraints
from llmbench.router.classifier import classify_task
from llmbench.router.profiles import load_profiles
from llmbench.router.store import ProfileStore
from llmbench.router.types import (
    QUALITY_Z,
    Alternative,
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

CONSTRAINT_ORDER = ("profile", "context_limit", "min_context_tokens", "min_quality", "max_latency_ms", "max_cost_usd")
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


class _Row(NamedTuple):
    """A model's figures on one task type, flattened once per refresh so selection runs on plain floats."""

    q: float
    q_low: float
    q_high: float
    p50: float  # inf when unknown
    p95: float  # inf when unknown
    out_tokens: int
    in_per_tok: float  # USD; -1 when the price is unknown
    out_cost: float  # USD of the typical output
    ctx: int  # 0 when unknown
    source: ProfileSource
    n: int
    per_task: bool


def _row(profile: ModelProfile | None, stats: TaskStats, per_task: bool, source: ProfileSource) -> _Row | None:
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
    return _Row(
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


def _money(x: float | None) -> str:
    return "unknown" if x is None else f"${x:.4f}" if x >= 0.0001 else f"${x:.2e}"


def _ms(x: float) -> str:
    return "unknown" if math.isinf(x) else f"{x:.0f} ms"


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
        self._tables: dict[TaskType, dict[str, _Row]] = {}
        for task in TaskType:
            table = {}
            for name, profile in profiles.items():
                stats, per_task = profile.stats_for(task, self.min_task_samples)
                row = _row(profile, stats, per_task, profile.source)
                if row is not None:
                    table[name] = row
            self._tables[task] = table

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
        wq, ws, wc = weights.quality, weights.speed, weights.cost
        c = constraints or _NO_CONSTRAINTS
        table = self._tables[task]
        if available is None:
            names: list[str] = list(table)
        else:
            names = [a.identifier if isinstance(a, ModelConfig) else a for a in available]
        ptok = max(1, round(len(prompt) / 4))
        min_q = c.min_quality if c.min_quality is not None else -1.0
        max_lat = c.max_latency_ms if c.max_latency_ms is not None else math.inf
        max_cost = c.max_cost_usd
        min_ctx = c.min_context_tokens or 0
        prior = self._prior_row if self.unprofiled is UnprofiledPolicy.PRIOR else None

        feasible: list[tuple[str, _Row, float]] = []  # cost -1: unknown
        # One list per constraint, in CONSTRAINT_ORDER; the hot loop only appends (see benchmarks/router_speed.py).
        lists: tuple[list[tuple[str, _Row | None, float]], ...] = ([], [], [], [], [], [])
        no_profile, too_long, small_ctx, low_q, slow, costly = (lst.append for lst in lists)
        keep = feasible.append
        check_cost = max_cost is not None
        for name in names:
            row = table.get(name, prior)
            if row is None:
                no_profile((name, None, -1.0))
                continue
            q, q_low, _, _, p95, out_tokens, in_per_tok, out_cost, ctx = row[:9]
            cost = ptok * in_per_tok + out_cost if in_per_tok >= 0 else -1.0
            if ctx and ctx < ptok + out_tokens:
                too_long((name, row, cost))
            elif min_ctx and ctx < min_ctx:
                small_ctx((name, row, cost))
            elif q_low < min_q:
                low_q((name, row, cost))
            elif p95 > max_lat:
                slow((name, row, cost))
            elif check_cost and (cost < 0 or cost > max_cost):  # type: ignore[operator]
                costly((name, row, cost))
            else:
                keep((name, row, cost))
        removed = {k: lst for k, lst in zip(CONSTRAINT_ORDER, lists, strict=True) if lst}
        if not feasible:
            raise self._none_left(names, removed, c, ptok)

        q_max = max(r.q for _, r, _ in feasible) or 1.0
        p_min = min(r.p50 for _, r, _ in feasible)
        known = [x for _, _, x in feasible if x >= 0]
        c_min = min(known) if known else 0.0
        scored = []
        for name, row, cost in feasible:
            nq = row.q / q_max
            ns = p_min / row.p50 if row.p50 < math.inf and row.p50 > 0 else (1.0 if row.p50 == p_min else 0.0)
            nc = (c_min + _COST_EPS) / (cost + _COST_EPS) if cost >= 0 else 0.0
            score = wq * nq + ws * ns + wc * nc
            scored.append((-score, -row.q, row.p50, cost if cost >= 0 else math.inf, name, row, nq, ns, nc))
        scored.sort()
        used_prior = prior is not None and any(n not in table for n in names)
        return self._selection(task, task_type is not None, strategy, weights, scored, removed, ptok, names, used_prior)

    def _none_left(
        self,
        names: list[str],
        removed: dict[str, list[tuple[str, _Row | None, float]]],
        c: ModelConstraints,
        ptok: int,
    ) -> NoModelsMeetConstraints:
        if not names:
            return NoModelsMeetConstraints("available", "no candidate models were given")
        binding = [k for k in CONSTRAINT_ORDER if k in removed][-1]
        gone = removed[binding]
        counts = ", ".join(f"{len(removed[k])} by {k}" for k in CONSTRAINT_ORDER if k in removed)
        if binding == "profile":
            detail = f"{', '.join(n for n, _, _ in gone[:5])} have no profile (unprofiled=exclude)"
        elif binding == "context_limit":
            name, row, _ = max(gone, key=lambda g: g[1].ctx if g[1] else 0)
            detail = f"the prompt (~{ptok} tokens) plus output exceeds every context; largest {name}: {row.ctx if row else 0}"
        elif binding == "min_context_tokens":
            name, row, _ = max(gone, key=lambda g: g[1].ctx if g[1] else 0)
            detail = f"min {c.min_context_tokens} tokens; largest {name}: {row.ctx if row and row.ctx else 'unknown'}"
        elif binding == "min_quality":
            name, row, _ = max(gone, key=lambda g: g[1].q_low if g[1] else 0)
            low = row.q_low if row else 0.0
            detail = f"min {c.min_quality}; best lower bound {name}: {low:.3f}"
        elif binding == "max_latency_ms":
            name, row, _ = min(gone, key=lambda g: g[1].p95 if g[1] else math.inf)
            detail = f"max {c.max_latency_ms:g} ms; fastest p95 {name}: {_ms(row.p95 if row else math.inf)}"
        else:
            priced = [g for g in gone if g[2] >= 0]
            if priced:
                name, _, cost = min(priced, key=lambda g: g[2])
                detail = f"max {_money(c.max_cost_usd)}; cheapest {name}: {_money(cost)} for ~{ptok} input tokens"
            else:
                detail = f"max {_money(c.max_cost_usd)}; no remaining candidate has a known price"
        return NoModelsMeetConstraints(binding, f"{detail}; removed {counts}")

    def _selection(
        self,
        task: TaskType,
        given: bool,
        strategy: RoutingStrategy,
        weights: RoutingWeights,
        scored: list[tuple],  # type: ignore[type-arg]
        removed: dict[str, list[tuple[str, _Row | None, float]]],
        ptok: int,
        names: list[str],
        used_prior: bool,
    ) -> ModelSelection:
        neg_score, _, _, _, name, row, nq, ns, nc = scored[0]
        cost = scored[0][3] if scored[0][3] < math.inf else None
        counts = {k: len(removed[k]) for k in CONSTRAINT_ORDER if k in removed}
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
            f"Expected quality {row.q:.3f} (90% interval {row.q_low:.3f}-{row.q_high:.3f}), p50 {_ms(row.p50)}, "
            f"p95 {_ms(row.p95)}, cost {_money(cost)} for ~{ptok}+{row.out_tokens} tokens, from {basis}."
        )
        if counts:
            lines.append("Excluded " + ", ".join(f"{v} by {k}" for k, v in counts.items()) + ".")
        alternatives = [self._alternative(scored[0], alt, w) for alt in scored[1:4]]
        shown = [r[5] for r in scored[:4]]
        if len(alternatives) < 3:
            excluded = [(k, g) for k in CONSTRAINT_ORDER for g in removed.get(k, [])]
            excluded.sort(key=lambda kg: -(kg[1][1].q if kg[1][1] else -1))
            excluded = excluded[: 3 - len(alternatives)]
            alternatives += [_excluded(k, g, ptok) for k, g in excluded]
            shown += [g[1] for _, g in excluded if g[1] is not None]
        notes = []
        sources = {r.source for r in shown}
        if ProfileSource.DECLARED in sources:
            notes.append(
                "Simulated models are judged on their declared characteristics (initial profiles, not measurements);"
                " run a benchmark to learn real profiles."
            )
        if used_prior:
            p = self.prior
            notes.append(
                f"Models without a profile were scored with the prior (quality {p.quality_mean}, "
                f"p95 {p.latency_p95_ms} ms, cost unknown): {', '.join(n for n in names if n not in self._tables[task])}."
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

    @staticmethod
    def _alternative(win: tuple, alt: tuple, w: tuple[float, float, float]) -> Alternative:  # type: ignore[type-arg]
        wrow, arow = win[5], alt[5]
        wcost, acost = win[3], alt[3]
        deltas = [(w[0] * (alt[6] - win[6]), "quality"), (w[1] * (alt[7] - win[7]), "speed")]
        deltas.append((w[2] * (alt[8] - win[8]), "cost"))
        figures = {
            "quality": f"quality {arow.q:.3f} vs {wrow.q:.3f}",
            "speed": f"p50 {_ms(arow.p50)} vs {_ms(wrow.p50)}",
            "cost": f"cost {_money(None if acost == math.inf else acost)} vs {_money(None if wcost == math.inf else wcost)}",
        }
        worse = [f"{figures[k]} ({d:+.3f})" for d, k in sorted(deltas) if d < -5e-4]
        better = [f"{figures[k]} ({d:+.3f})" for d, k in sorted(deltas, reverse=True) if d > 5e-4]
        reason = f"score {-alt[0]:.3f} vs {-win[0]:.3f}"
        if worse:
            reason += ": lost on " + "; ".join(worse)
        else:
            reason += ": tied on score, lost the tie-break (quality, latency, cost, name)"
        if better:
            reason += "; its better " + "; ".join(better) + " did not make up for it"
        return Alternative(
            model=alt[4],
            score=-alt[0],
            expected_quality=arow.q,
            latency_p95_ms=None if math.isinf(arow.p95) else arow.p95,
            estimated_cost_usd=None if acost == math.inf else acost,
            reason=reason,
        )


def _excluded(constraint: str, entry: tuple[str, _Row | None, float], ptok: int) -> Alternative:
    name, row, cost = entry
    if row is None:
        why = "no profile (unprofiled=exclude)"
    elif constraint == "context_limit":
        why = f"context {row.ctx} tokens is too small for ~{ptok} prompt + {row.out_tokens} output tokens"
    elif constraint == "min_context_tokens":
        why = f"context {row.ctx or 'unknown'} tokens below the minimum"
    elif constraint == "min_quality":
        why = f"quality lower bound {row.q_low:.3f} below the minimum"
    elif constraint == "max_latency_ms":
        why = f"p95 latency {_ms(row.p95)} above the maximum"
    else:
        why = f"estimated cost {_money(cost if cost >= 0 else None)} above the maximum"
    return Alternative(
        model=name,
        score=None,
        expected_quality=row.q if row else None,
        latency_p95_ms=None if row is None or math.isinf(row.p95) else row.p95,
        estimated_cost_usd=cost if cost >= 0 else None,
        excluded_by=constraint,
        reason=f"excluded by {constraint}: {why}",
    )
