"""Does the measured quality of a simulated model track the quality it really has?

Each catalogue model answers every item of the shipped datasets (``examples/datasets/*.jsonl``) under many seeds
(latency set to 0; failures are drawn as in a run). Every answer is scored with the default metrics and combined
with :func:`~llmbench.evaluators.item_quality`. Printed per model: its true quality (``SimSpec.quality``, the
chance of a correct answer), the measured mean quality of its answers (mean and spread over seeds), the ranking's
quality (a failed call counts 0) and the success rate; then the correlation of true and measured quality over the
models and the share of seeds in which the measured order of the models matches the true order.
Run: ``PYTHONPATH=. .venv/bin/python benchmarks/sim_quality_tracking.py [--seeds 50]``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from llmbench.datasets import load_dataset
from llmbench.errors import ProviderError
from llmbench.evaluators import build_offline_evaluators, item_quality
from llmbench.execution import build_request
from llmbench.providers.sim import SIM_CATALOGUE, SimProvider
from llmbench.types import DEFAULT_METRICS, DatasetItem, ModelConfig

DATASETS = sorted((Path(__file__).resolve().parent.parent / "examples" / "datasets").glob("*.jsonl"))


async def one_seed(model: str, seed: int, items: list[DatasetItem]) -> tuple[list[float], int]:
    """(qualities of the successful answers, number of failed calls) of one model under one seed."""
    spec = SIM_CATALOGUE[model].model_copy(update={"seed": seed, "latency_ms": 0.0})
    provider = SimProvider(ModelConfig(provider="sim", model=model, simulation=spec))
    evaluators = build_offline_evaluators(DEFAULT_METRICS)
    qualities, failures = [], 0
    for item in items:
        try:
            completion = await provider.generate(build_request(item))
        except ProviderError:
            failures += 1
            continue
        scores = {}
        for evaluator in evaluators:
            verdict = await evaluator.evaluate(item, completion.text)
            if verdict is not None:
                scores[evaluator.name] = verdict.score
        qualities.append(item_quality(scores))
    return qualities, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    args = parser.parse_args()
    items = [item for path in DATASETS for item in load_dataset(path).items]
    models = list(SIM_CATALOGUE)
    answer_quality: dict[str, list[float]] = {m: [] for m in models}
    ranking_quality: dict[str, list[float]] = {m: [] for m in models}
    success: dict[str, list[float]] = {m: [] for m in models}
    for model, seed in itertools.product(models, range(args.seeds)):
        qualities, failures = asyncio.run(one_seed(model, seed, items))
        answer_quality[model].append(statistics.fmean(qualities) if qualities else 0.0)
        ranking_quality[model].append(sum(qualities) / len(items))
        success[model].append(1 - failures / len(items))
    names = ", ".join(p.name for p in DATASETS)
    print(f"{len(items)} items from {names}; {args.seeds} seeds; metrics {', '.join(DEFAULT_METRICS)}")
    print(f"\n{'model':<12} {'true':>5} {'measured':>9} {'sd':>6} {'ranking q':>10} {'success':>8}")
    for model in models:
        print(
            f"{model:<12} {SIM_CATALOGUE[model].quality:>5.2f} {statistics.fmean(answer_quality[model]):>9.3f} "
            f"{statistics.stdev(answer_quality[model]):>6.3f} {statistics.fmean(ranking_quality[model]):>10.3f} "
            f"{statistics.fmean(success[model]):>8.3f}"
        )
    true = np.array([SIM_CATALOGUE[m].quality for m in models])
    measured = np.array([statistics.fmean(answer_quality[m]) for m in models])
    slope, intercept = np.polyfit(true, measured, 1)
    print(
        f"\nPearson r(true, measured) = {stats.pearsonr(true, measured).statistic:.3f}; "
        f"Spearman = {stats.spearmanr(true, measured).statistic:.3f}; "
        f"measured ≈ {intercept:.3f} + {slope:.3f} × true"
    )
    true_order = sorted(models, key=lambda m: -SIM_CATALOGUE[m].quality)
    pairs = [(a, b) for a, b in itertools.combinations(true_order, 2)]
    per_seed = [
        sum(answer_quality[a][s] > answer_quality[b][s] for a, b in pairs) / len(pairs) for s in range(args.seeds)
    ]
    exact = sum(p == 1.0 for p in per_seed) / args.seeds
    print(f"Pairs of models in true order per seed: {statistics.fmean(per_seed):.3f}; all six in order: {exact:.2f}")


if __name__ == "__main__":
    main()
