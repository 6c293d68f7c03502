"""Latency of ``ModelRouter.select_model`` over 100 learned profiles: prints p50 and p99 (target p99 <= 100 µs).

Run: ``.venv/bin/python benchmarks/router_speed.py [--profiles 100] [--calls 20000] [--gc] [--uncached]``.
Profiles are random but seeded; each call routes one of several prompts under the acceptance example's constraints.
Classification is cached per prompt (an LRU of 4096), so ``--uncached`` also reports the cost of classifying a
fresh prompt. Each strategy is warmed up first and timed with ``perf_counter_ns`` around single calls; the garbage
collector is paused while timing (``--gc`` keeps it running) so that a collection triggered by earlier allocations
is not charged to whichever call happens to run it. A busy machine inflates p99, so the load average is printed.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import statistics
import time

from llmbench.router import ModelConstraints, ModelProfile, ModelRouter, RoutingStrategy, TaskStats, classify_task
from llmbench.types import TaskType

TARGET_P99_US = 100.0
WARM_UP_CALLS = 2_000
PROMPTS = (
    "Write a function to sort an array",
    "Summarize this article about renewable energy in three bullet points",
    "Translate to French: the meeting is moved to Thursday",
    "What is Rust?",
)


def make_profiles(n: int, seed: int = 0) -> dict[str, ModelProfile]:
    rng = random.Random(seed)
    profiles = {}
    for i in range(n):

        def stats() -> TaskStats:
            p50 = rng.uniform(50, 3000)
            return TaskStats(
                quality_mean=rng.uniform(0.5, 0.99),
                quality_stderr=rng.uniform(0.005, 0.05),
                latency_p50_ms=p50,
                latency_p95_ms=p50 * rng.uniform(1.1, 2.5),
                output_tokens=rng.uniform(50, 800),
                cost_per_1k_tokens=rng.uniform(0.0001, 0.05),
                sample_count=rng.randint(5, 500),
            )

        per_task = {t: stats() for t in TaskType if rng.random() < 0.5}
        profiles[f"bench/m{i:03d}"] = ModelProfile(
            overall=stats(), per_task=per_task, context_limit=rng.choice([8_000, 32_000, 128_000])
        )
    return profiles


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``q`` of the values at or below it."""
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


def measure(
    router: ModelRouter, calls: int, constraints: ModelConstraints, strategy: RoutingStrategy, keep_gc: bool
) -> list[float]:
    """Latency of each of ``calls`` calls in µs, sorted, after ``WARM_UP_CALLS`` untimed ones."""
    for i in range(WARM_UP_CALLS):
        router.select_model(PROMPTS[i % len(PROMPTS)], None, constraints, strategy=strategy)
    timings = [0] * calls
    clock = time.perf_counter_ns
    paused = gc.isenabled() and not keep_gc
    if paused:
        gc.collect()
        gc.disable()
    try:
        for i in range(calls):
            prompt = PROMPTS[i % len(PROMPTS)]
            start = clock()
            router.select_model(prompt, None, constraints, strategy=strategy)
            timings[i] = clock() - start
    finally:
        if paused:
            gc.enable()
    return sorted(t / 1000 for t in timings)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100)
    parser.add_argument("--calls", type=int, default=20_000, help="timed calls per strategy")
    parser.add_argument("--gc", action="store_true", help="keep the garbage collector running while timing")
    parser.add_argument("--uncached", action="store_true", help="also time classification of fresh prompts")
    args = parser.parse_args()
    router = ModelRouter(profiles=make_profiles(args.profiles))
    constraints = ModelConstraints(max_cost_usd=0.01, max_latency_ms=2000, min_quality=0.8)
    gc_state = "running" if args.gc else "paused"
    print(f"select_model over {args.profiles} profiles, {args.calls} calls per strategy, gc {gc_state} (µs):")
    print(f"  before: {load()}")
    worst = 0.0
    for strategy in RoutingStrategy:
        t = measure(router, args.calls, constraints, strategy, args.gc)
        p50, p99 = percentile(t, 0.50), percentile(t, 0.99)
        worst = max(worst, p99)
        verdict = "ok" if p99 <= TARGET_P99_US else "ABOVE TARGET"
        print(
            f"  {strategy:<15} p50 {p50:6.1f}  p99 {p99:6.1f}  mean {statistics.fmean(t):6.1f}  "
            f"max {t[-1]:7.1f}  [{verdict}]"
        )
    print(f"  after:  {load()}")
    verdict = "MEETS" if worst <= TARGET_P99_US else "MISSES"
    print(f"worst p99 {worst:.1f} µs {verdict} the target of {TARGET_P99_US:.0f} µs")
    if args.uncached:
        fresh = [f"{PROMPTS[i % len(PROMPTS)]} (variant {i})" for i in range(args.calls)]
        t = []
        for prompt in fresh:
            start = time.perf_counter_ns()
            classify_task.__wrapped__(prompt)
            t.append((time.perf_counter_ns() - start) / 1000)
        t.sort()
        print(f"  classify_task, uncached: p50 {percentile(t, 0.5):.1f}  p99 {percentile(t, 0.99):.1f}")


if __name__ == "__main__":
    main()
