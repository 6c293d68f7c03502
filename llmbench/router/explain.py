"""Words for the router's choices: why a model lost, why it was excluded, why nothing was left.

Kept apart from :mod:`llmbench.router.router` so the selection code stays short; every function here runs only on
the few models a selection reports, never in the loop over all candidates.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from llmbench.errors import NoModelsMeetConstraints
from llmbench.router.types import Alternative, ModelConstraints, ProfileSource
from llmbench.types import TaskType

__all__ = [
    "CONSTRAINT_ORDER",
    "UNKNOWN_MS",
    "Row",
    "Scored",
    "alternative",
    "described",
    "excluded",
    "money",
    "ms",
    "none_left",
]

#: Order in which constraints are applied; a candidate is reported under the first one it fails.
CONSTRAINT_ORDER = ("profile", "context_limit", "min_context_tokens", "min_quality", "max_latency_ms", "max_cost_usd")
UNKNOWN_MS = 1e12  # unknown latency in the matrix: fails any latency limit, scores ~0 on speed


class Row(NamedTuple):
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
    # Text of the figures above, formatted once by described() rather than on every selection.
    q_text: str = ""
    p50_text: str = ""
    figures: str = ""  # "Expected quality ... p95 ...", the winner's line up to its cost
    basis: str = ""  # what the figures rest on


#: A ranked candidate: (-score, -quality, p50, cost or inf, name, row, quality, speed and cost terms).
Scored = tuple[float, float, float, float, str, Row, float, float, float]


def described(row: Row, task: TaskType, min_samples: int) -> Row:
    """``row`` with its fixed figures formatted, so that a selection formats only what depends on the prompt."""
    if row.source is not ProfileSource.LEARNED:
        basis = f"{row.source} figures (no measurement yet)"
    elif row.per_task:
        basis = f"{row.n} {task} results"
    else:
        basis = f"its overall profile ({row.n} results; fewer than {min_samples} on {task})"
    figures = (
        f"Expected quality {row.q:.3f} (90% interval {row.q_low:.3f}-{row.q_high:.3f}), p50 {ms(row.p50)}, "
        f"p95 {ms(row.p95)}"
    )
    return row._replace(q_text=f"{row.q:.3f}", p50_text=ms(row.p50), figures=figures, basis=basis)


def money(x: float | None) -> str:
    return "unknown" if x is None or x == math.inf else f"${x:.4f}" if x >= 0.0001 else f"${x:.2e}"


def ms(x: float) -> str:
    return "unknown" if x >= UNKNOWN_MS else f"{x:.0f} ms"


def none_left(
    names: list[str],
    removed: dict[str, list[tuple[str, Row | None, float]]],
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
        largest = row.ctx if row else 0
        detail = f"the prompt (~{ptok} tokens) plus output exceeds every context; largest {name}: {largest}"
    elif binding == "min_context_tokens":
        name, row, _ = max(gone, key=lambda g: g[1].ctx if g[1] else 0)
        detail = f"min {c.min_context_tokens} tokens; largest {name}: {row.ctx if row and row.ctx else 'unknown'}"
    elif binding == "min_quality":
        name, row, _ = max(gone, key=lambda g: g[1].q_low if g[1] else 0)
        low = row.q_low if row else 0.0
        detail = f"min {c.min_quality}; best lower bound {name}: {low:.3f}"
    elif binding == "max_latency_ms":
        name, row, _ = min(gone, key=lambda g: g[1].p95 if g[1] else math.inf)
        detail = f"max {c.max_latency_ms:g} ms; fastest p95 {name}: {ms(row.p95 if row else math.inf)}"
    else:
        priced = [g for g in gone if g[2] >= 0]
        if priced:
            name, _, cost = min(priced, key=lambda g: g[2])
            detail = f"max {money(c.max_cost_usd)}; cheapest {name}: {money(cost)} for ~{ptok} input tokens"
        else:
            detail = f"max {money(c.max_cost_usd)}; no remaining candidate has a known price"
    return NoModelsMeetConstraints(binding, f"{detail}; removed {counts}")


def alternative(win: Scored, alt: Scored, w: tuple[float, float, float], win_cost: str) -> Alternative:
    """Why ``alt`` lost: the weighted score it gave up or gained on each term, with the figures behind it.

    ``win_cost`` is the winner's ``money`` text, formatted once for all alternatives.
    """
    wrow, arow, acost = win[5], alt[5], alt[3]
    acost_known = acost != math.inf
    worse: list[str] = []
    better: list[str] = []
    for term, delta in enumerate((w[0] * (alt[6] - win[6]), w[1] * (alt[7] - win[7]), w[2] * (alt[8] - win[8]))):
        if -5e-4 <= delta <= 5e-4:
            continue
        if term == 0:
            figure = f"quality {arow.q_text} vs {wrow.q_text} ({delta:+.3f})"
        elif term == 1:
            figure = f"p50 {arow.p50_text} vs {wrow.p50_text} ({delta:+.3f})"
        else:
            figure = f"cost {money(acost if acost_known else None)} vs {win_cost} ({delta:+.3f})"
        (worse if delta < 0 else better).append(figure)
    reason = f"score {-alt[0]:.3f} vs {-win[0]:.3f}: " + (
        "lost on " + "; ".join(worse) if worse else "tied on score, lost the tie-break (quality, latency, cost, name)"
    )
    if better:
        reason += "; its better " + "; ".join(better) + " did not make up for it"
    return Alternative(
        model=alt[4],
        score=-alt[0],
        expected_quality=arow.q,
        latency_p95_ms=None if arow.p95 == math.inf else arow.p95,
        estimated_cost_usd=acost if acost_known else None,
        reason=reason,
    )


def excluded(constraint: str, entry: tuple[str, Row | None, float], ptok: int) -> Alternative:
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
        why = f"p95 latency {ms(row.p95)} above the maximum"
    else:
        why = f"estimated cost {money(cost if cost >= 0 else None)} above the maximum"
    return Alternative(
        model=name,
        score=None,
        expected_quality=row.q if row else None,
        latency_p95_ms=None if row is None or math.isinf(row.p95) else row.p95,
        estimated_cost_usd=cost if cost >= 0 else None,
        excluded_by=constraint,
        reason=f"excluded by {constraint}: {why}",
    )
