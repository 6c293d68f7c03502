"""Latency of ``ModelRouter.select_model`` over 100 learned profiles: prints p50 and p99 (target p99 <= 100 µs).

Run: ``.venv/bin/python benchmarks/router_speed.py [--profiles 100] [--calls 20000]``. Profiles are random but
seeded; each call routes one of several prompts under the acceptance example's constraints. Classification is
cached per prompt (an LRU of 4096), so ``--uncached`` also reports the cost of classifying a fresh prompt.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from llmbench.router import ModelConstraints, ModelProfile, ModelRouter, RoutingStrategy, TaskStats, classify_task
from llmbench.types import TaskType

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
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def measure(router: ModelRouter, calls: int, constraints: ModelConstraints, strategy: RoutingStrategy) -> list[float]:
    timings = []
    clock = time.perf_counter_ns
    for i in range(calls):
        prompt = PROMPTS[i % len(PROMPTS)]
        start = clock()
        router.select_model(prompt, None, constraints, strategy=strategy)
        timings.append((clock() - start) / 1000)
    return sorted(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--uncached", action="store_true", help="also time classification of fresh prompts")
    args = parser.parse_args()
    router = ModelRouter(profiles=make_profiles(args.profiles))
    constraints = ModelConstraints(max_cost_usd=0.01, max_latency_ms=2000, min_quality=0.8)
    measure(router, 1000, constraints, RoutingStrategy.BALANCED)  # warm up
    print(f"select_model over {args.profiles} profiles, {args.calls} calls (µs):")
    for strategy in RoutingStrategy:
        t = measure(router, args.calls, constraints, strategy)
        p50, p99 = percentile(t, 0.50), percentile(t, 0.99)
        verdict = "ok" if p99 <= 100 else "ABOVE TARGET"
        print(f"  {strategy:<15} p50 {p50:7.1f}  p99 {p99:7.1f}  mean {statistics.fmean(t):7.1f}  [{verdict}]")
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
