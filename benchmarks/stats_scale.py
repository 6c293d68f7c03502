"""Time of the whole statistics report for 10 models × 10,000 items, every pair, 2,000 resamples (target ≤ 2 s).

Run: ``.venv/bin/python benchmarks/stats_scale.py [--models 10] [--items 10000] [--resamples 2000] [--repeat 3]``.
Per-item values are synthetic but seeded: qualities spread so some pairs differ and some do not, 3 metrics, 2 %
failed calls, latencies and prices per model (one model with an unknown price). The timed call is
:func:`llmbench.stats.compute_statistics` on an :class:`~llmbench.stats.ItemTable`, after one warm-up run that
pays scipy's import; the time to build the table from ModelResult rows is printed apart. The load average is
printed because the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from llmbench.ranking import item_quality
from llmbench.stats import ItemTable, StatisticsConfig, compute_statistics
from llmbench.types import ModelResult, RankingOptions, RankingWeights

TARGET_SECONDS = 2.0


def make_table(n_models: int, n_items: int, seed: int = 0) -> ItemTable:
    rng = np.random.default_rng(seed)
    shape = (n_models, n_items)
    success = rng.random(shape) > 0.02
    truth = np.linspace(0.85, 0.55, n_models)
    truth[1] = truth[0]  # a pair of equals: the tests must not separate them
    metrics = {
        name: np.where(success, np.clip(truth[:, None] + rng.normal(0, 0.2, shape), 0, 1), 0.0)
        for name in ("faithfulness", "relevance", "coherence")
    }
    quality = 0.4 * metrics["faithfulness"] + 0.3 * metrics["relevance"] + 0.3 * metrics["coherence"]
    latency = np.where(success, rng.uniform(50, 800, n_models)[:, None] * rng.lognormal(0, 0.2, shape), np.nan)
    price = rng.uniform(1e-4, 1e-2, n_models)
    cost = np.where(success, price[:, None] * rng.uniform(0.8, 1.2, shape), np.nan)
    cost_known = np.ones(n_models, dtype=bool)
    cost_known[-1] = False
    cost[-1] = np.nan
    return ItemTable(
        models=tuple(f"model-{k}" for k in range(n_models)),
        items=tuple(f"item-{i}" for i in range(n_items)),
        present=np.ones(shape, dtype=bool),
        success=success,
        quality=np.where(success, quality, 0.0),
        metrics=metrics,
        latency=latency,
        cost=cost,
        cost_known=cost_known,
    )


def rows_of(table: ItemTable) -> list[ModelResult]:
    rows = []
    for m, model in enumerate(table.models):
        for i, item in enumerate(table.items):
            ok = bool(table.success[m, i])
            cost = float(table.cost[m, i]) if ok and not np.isnan(table.cost[m, i]) else None
            rows.append(
                ModelResult(
                    model=model,
                    item_id=item,
                    success=ok,
                    latency_ms=float(table.latency[m, i]) if ok else None,
                    cost_usd=cost,
                    scores={k: float(v[m, i]) for k, v in table.metrics.items()} if ok else {},
                )
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=10)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--resamples", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    table = make_table(args.models, args.items)
    order = list(table.models)
    config = StatisticsConfig(resamples=args.resamples)
    weights, options = RankingWeights(), RankingOptions()

    def run() -> float:
        started = time.perf_counter()
        report = compute_statistics(table, order, weights=weights, options=options, config=config)
        elapsed = time.perf_counter() - started
        assert report.enabled and len(report.models) == args.models
        return elapsed

    run()  # warm-up: scipy's import and first-call costs
    times = [run() for _ in range(args.repeat)]
    report = compute_statistics(table, order, weights=weights, options=options, config=config)
    pairs = args.models * (args.models - 1) // 2
    print(
        f"{args.models} models × {args.items:,} items, {pairs} pairs × {len(table.metrics) + 2} metrics "
        f"({len(report.tests)} tests), {args.resamples:,} resamples; load average {os.getloadavg()[0]:.2f}"
    )
    median = statistics.median(times)
    verdict = "meets" if median <= TARGET_SECONDS else "MISSES"
    print(
        f"compute_statistics: median {median:.2f} s, min {min(times):.2f} s over {args.repeat} runs "
        f"({verdict} the {TARGET_SECONDS:g} s target)"
    )
    equals = next(t for t in report.tests if t.metric == "quality" and {t.model_a, t.model_b} == set(order[:2]))
    print(f"the two equal models: quality p adjusted {equals.p_adjusted:.3f}, tied: {not equals.significant}")
    rows = rows_of(table)
    started = time.perf_counter()
    ItemTable.from_results(rows, item_quality)
    built = time.perf_counter() - started
    print(f"building the table from {len(rows):,} ModelResult rows: {built:.2f} s (not in the target)")


if __name__ == "__main__":
    main()
