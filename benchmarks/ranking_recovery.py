"""Does the ranking recover the truth? Simulated models of known quality, latency and price, many seeds.

Run: ``.venv/bin/python benchmarks/ranking_recovery.py [--seeds 100] [--items 100] [--scenario NAME ...]``.

Each seed runs every scenario through the core engine (``ComparisonEngine``, no Prefect) with ``SimSpec.seed``
set to the seed, so answers, latencies and outcomes are drawn anew. Every run is scored twice:

* **evaluators**: the ranking as shipped, on the scores of whatever evaluators ``llmbench.evaluators`` holds;
* **truth**: the same answers scored 1 or 0 by whether the simulation drew a good answer (``SimStats.good``),
  which isolates the statistics from the evaluators.

The truth is the ranking formula applied to the true parameters: quality = ``SimSpec.quality`` (for the
evaluator mode mapped onto the evaluators' scale, ``bad + (good − bad)·quality`` with the mean scores of good and bad
answers over all runs), median latency = ``latency_ms`` (the jitter is symmetric), cost = the input price times the
items' mean input tokens (prices are on input tokens only, the same prompts for every model, so the true cost ratio
is the price ratio). A pair is *ordered* when the two models sit in different rank groups; it is ordered *against
the truth* when the group order contradicts the true order, or when two models of equal truth are split.
Reported per scenario, for quality and for the overall score:

* right: no pair ordered against the truth (target ≥ 95 % where the models are well separated);
* resolved: every truly different pair ordered, and rightly;
* equals tied: every group of identical models in one group; called different: any pair of identical models
  significantly different after correction (family-wise, target ≤ 5 %);
* for pairs closer than the noise: how often they are ordered at all, and against the truth, next to how often the
  point estimates alone would order them against the truth.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from llmbench.comparison import ComparisonEngine, rank_results
from llmbench.datasets import load_dataset
from llmbench.providers.sim import sim_stats
from llmbench.ranking import item_quality
from llmbench.stats import score
from llmbench.types import (
    ComparisonConfig,
    ComparisonResult,
    DatasetItem,
    ModelConfig,
    ModelResult,
    Price,
    RankingOptions,
    RankingWeights,
    SimSpec,
    StatisticsConfig,
)

DATASETS = ("examples/datasets/qa_small.jsonl", "examples/datasets/mixed_tasks.jsonl")
TARGET_RIGHT = 0.95
TARGET_CALLED_DIFFERENT = 0.05


@dataclass(frozen=True)
class Model:
    name: str
    quality: float
    latency_ms: float
    price: float  # USD per million input tokens


SCENARIOS: dict[str, tuple[Model, ...]] = {
    # Far apart on quality, latency and price.
    "separated": (Model("good", 0.92, 20, 2.0), Model("fair", 0.6, 40, 1.0), Model("poor", 0.3, 80, 0.5)),
    # Six copies of one model: any split is noise.
    "identical": tuple(Model(f"same-{k}", 0.7, 30, 1.0) for k in range(6)),
    # Two models 0.03 apart in quality (about half the standard error at 100 items), a third clearly behind.
    "close": (Model("close-a", 0.73, 30, 1.0), Model("close-b", 0.70, 30, 1.0), Model("far", 0.35, 30, 1.0)),
}


@dataclass
class Tally:
    runs: int = 0
    right: int = 0
    resolved: int = 0
    equals_tied: int = 0
    called_different: int = 0
    close_ordered: int = 0
    close_wrong: int = 0
    point_wrong: int = 0
    seconds: list[float] = field(default_factory=list)


def make_items(n: int) -> list[DatasetItem]:
    """``n`` items cycling through the shipped datasets; a repeat gets a new id, so new simulated draws."""
    base = [item for path in DATASETS for item in load_dataset(path).items]
    return [
        base[i % len(base)].model_copy(update={"id": f"{base[i % len(base)].id}-{i // len(base)}"}) for i in range(n)
    ]


def configs(models: Sequence[Model], seed: int) -> list[ModelConfig]:
    return [
        ModelConfig(
            provider="sim",
            model=m.name,
            simulation=SimSpec(quality=m.quality, latency_ms=m.latency_ms, jitter=0.2, seed=seed),
            price=Price(input_per_mtok=m.price, output_per_mtok=0.0),
        )
        for m in models
    ]


def truth_scored(result: ComparisonResult, good: dict[tuple[str, str], bool]) -> list[ModelResult]:
    """The run's rows with the evaluators' scores replaced by the simulation's ground truth (1 good, 0 not)."""
    return [
        r.model_copy(update={"scores": {"correct": float(good[(r.model, r.item_id)])}}) if r.success else r
        for r in result.results
    ]


def true_order(models: Sequence[Model], result: ComparisonResult, scale: tuple[float, float]) -> dict[str, dict]:
    """True quality and overall score per model identifier, on the given (bad, good) quality scale."""
    bad, good = scale
    quality = np.array([[bad + (good - bad) * m.quality for m in models]])
    tokens = statistics.fmean(r.usage.input_tokens for r in result.results if r.usage is not None)
    cost = np.array([[m.price * tokens / 1e6 for m in models]])
    latency = np.array([[m.latency_ms for m in models]])
    overall = score(quality, latency, cost, RankingWeights(), RankingOptions()).overall[0]
    return {
        "quality": {f"sim/{m.name}": float(q) for m, q in zip(models, quality[0], strict=True)},
        "overall": {f"sim/{m.name}": float(o) for m, o in zip(models, overall, strict=True)},
    }


def judge(
    result_groups: dict[str, int],
    point: dict[str, float],
    truth: dict[str, float],
    tally: Tally,
    significant: set[frozenset[str]],
    noise: float,
) -> None:
    """Count one run into ``tally``: pairs ordered against the truth, resolution, ties of equals, close pairs."""
    tally.runs += 1
    wrong = resolved = False
    all_resolved = True
    equals_split = different = False
    for a, b in itertools.combinations(sorted(truth), 2):
        gap = truth[a] - truth[b]
        ga, gb = result_groups[a], result_groups[b]
        if abs(gap) < 1e-12:
            equals_split |= ga != gb
            different |= frozenset((a, b)) in significant
            continue
        ordered = ga != gb
        against = ordered and (ga < gb) != (gap > 0)
        wrong |= against
        all_resolved &= ordered and not against
        if abs(gap) < noise:
            tally.close_ordered += ordered
            tally.close_wrong += against
            tally.point_wrong += (point[a] > point[b]) != (gap > 0)
    resolved = all_resolved and not wrong
    tally.right += not wrong
    tally.resolved += resolved
    tally.equals_tied += not equals_split
    tally.called_different += different


def groups_of(rankings: Sequence, metric: str) -> dict[str, int]:
    return {r.model: (r.rank_group if metric == "overall" else r.quality_group) for r in rankings}


def significant_pairs(result_tests: Sequence, metric: str) -> set[frozenset[str]]:
    return {frozenset((t.model_a, t.model_b)) for t in result_tests if t.metric == metric and t.significant}


async def run_one(models: Sequence[Model], items: list[DatasetItem], seed: int) -> tuple[ComparisonResult, dict]:
    stats = sim_stats()
    stats.reset()
    stats.recording = True
    config = ComparisonConfig(models=configs(models, seed), concurrency_limit=1000, timeout_seconds=600)
    result = await ComparisonEngine(config).run(items, name="recovery")
    good = dict(stats.good)
    stats.recording = False
    return result, good


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--scenario", nargs="*", default=list(SCENARIOS), choices=list(SCENARIOS))
    args = parser.parse_args()
    items = make_items(args.items)
    runs: dict[str, list[tuple[ComparisonResult, dict]]] = {name: [] for name in args.scenario}
    started = time.perf_counter()
    for seed in range(args.seeds):
        for name in args.scenario:
            runs[name].append(asyncio.run(run_one(SCENARIOS[name], items, seed)))
    elapsed = time.perf_counter() - started
    # The evaluators' scale: mean item quality of good and of bad answers, over every run.
    good_scores, bad_scores = [], []
    for result, good in (run for name in runs for run in runs[name]):
        for r in result.results:
            if r.success:
                (good_scores if good[(r.model, r.item_id)] else bad_scores).append(item_quality(r.scores))
    scale = (statistics.fmean(bad_scores), statistics.fmean(good_scores))
    metrics = sorted({k for name in runs for result, _ in runs[name] for r in result.results for k in r.scores})
    print(
        f"{args.seeds} seeds × {len(args.scenario)} scenarios × {args.items} items through ComparisonEngine "
        f"({elapsed:.0f} s); evaluators present: {', '.join(metrics)}; statistics: Holm, alpha 0.05, 2,000 resamples"
    )
    print(f"evaluator scale: good answers score {scale[1]:.3f}, bad ones {scale[0]:.3f} (mean item quality)")
    for mode in ("evaluators", "truth"):
        print(f"\n== {mode} mode ==")
        for name in args.scenario:
            models = SCENARIOS[name]
            for metric in ("quality", "overall"):
                tally = Tally()
                for result, good in runs[name]:
                    if mode == "truth":
                        outcome = rank_results(
                            truth_scored(result, good), RankingWeights(), RankingOptions(), StatisticsConfig()
                        )
                        rankings, tests = outcome.rankings, outcome.statistics.tests if outcome.statistics else []
                        truth = true_order(models, result, (0.0, 1.0))[metric]
                    else:
                        rankings = result.rankings
                        tests = result.statistics.tests if result.statistics else []
                        truth = true_order(models, result, scale)[metric]
                    point = {
                        r.model: (r.overall_score or 0.0) if metric == "overall" else r.component_scores.quality
                        for r in rankings
                    }
                    noise = 0.05 if metric == "quality" else 0.03
                    judge(groups_of(rankings, metric), point, truth, tally, significant_pairs(tests, metric), noise)
                report(name, metric, tally, models)
    print(
        f"\ntargets: right ≥ {TARGET_RIGHT:.0%} where separated; identical models called different ≤ "
        f"{TARGET_CALLED_DIFFERENT:.0%} of seeds; close pairs never ordered against the truth more than that"
    )


def report(name: str, metric: str, t: Tally, models: Sequence[Model]) -> None:
    n = t.runs
    parts = [f"{name:10} {metric:8} right {t.right / n:6.1%}  resolved {t.resolved / n:6.1%}"]
    if len({(m.quality, m.latency_ms, m.price) for m in models}) < len(models):
        parts.append(f"equals tied {t.equals_tied / n:6.1%}  called different {t.called_different / n:5.1%}")
    if t.close_ordered or t.point_wrong:
        parts.append(
            f"close pair ordered {t.close_ordered / n:5.1%}, against truth {t.close_wrong / n:5.1%} "
            f"(point estimates against truth {t.point_wrong / n:5.1%})"
        )
    print("  ".join(parts))


if __name__ == "__main__":
    main()
