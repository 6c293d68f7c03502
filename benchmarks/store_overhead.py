"""Does persisting every result slow the calls? 10 models × 100 items at concurrency 50 over HTTP, store on vs off.

OpenAI provider against the mock server (100 ms per answer, in a child process so this process's CPU is the
client's). Ideal: 1000 × 0.1 s / 50 = 2 s. Target: the calls (the execute phase, answers scored as they arrive)
≤ 1.2× ideal with the result store and the cache on (a fresh SQLite file per run, so every call is made and
every row and cache entry is written). Each setting runs ``--repeats`` times, alternating; the best and the
median are printed. ``--flow`` also runs the benchmark flow both ways (needs a Prefect server; one is started on
the local PostgreSQL unless PREFECT_API_URL names one).

    .venv/bin/python benchmarks/store_overhead.py [--repeats 3] [--flow] [--default-gc]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")

from pydantic import SecretStr

from benchmarks._mock_process import mock_server_process
from llmbench.comparison import execute_models
from llmbench.execution import RetryPolicy
from llmbench.store import StoreSettings, close_database, run_spec
from llmbench.types import DatasetItem, ModelConfig

N_MODELS, N_ITEMS, CONCURRENCY, LATENCY_MS = 10, 100, 50, 100
IDEAL_S = N_MODELS * N_ITEMS * LATENCY_MS / 1000 / CONCURRENCY
TARGET_RATIO = 1.2
METRICS = ["faithfulness", "relevance", "coherence"]
if os.environ.get("LLMBENCH_BENCH_NO_METRICS"):  # isolates the calls from the offline evaluators' CPU
    METRICS = []
ITEMS = [DatasetItem(id=f"q{i}", prompt=f"Question {i}: what does photosynthesis produce?") for i in range(N_ITEMS)]


async def _engine_run(models: list[ModelConfig], store: StoreSettings | None) -> tuple[float, float, int]:
    journal, run_id = None, None
    if store is not None:
        record = store.begin_run(run_spec("overhead", ITEMS, models, METRICS))
        run_id = record.run_id if record else None
        journal = store.journal(run_id)
    cpu, wall = time.process_time(), time.perf_counter()
    outcome = await execute_models(
        models,
        ITEMS,
        policy=RetryPolicy(),
        concurrency=CONCURRENCY,
        timeout_seconds=600,
        metrics=METRICS,
        journal=journal,
    )
    elapsed, used = time.perf_counter() - wall, time.process_time() - cpu
    failed = sum(not r.success for r in outcome.results)
    if store is not None and run_id is not None:
        runs = store.run_store()
        assert runs is not None
        stored = runs.count_results(run_id)
        assert stored == len(outcome.results), f"{stored} rows stored of {len(outcome.results)}"
    return elapsed, used, failed


def _measure_engine(base_url: str, repeats: int) -> dict[str, list[tuple[float, float]]]:
    models = [ModelConfig(provider="openai", model=f"m{i}", base_url=base_url, max_tokens=64) for i in range(N_MODELS)]
    asyncio.run(_engine_run(models, None))  # warm-up: imports, evaluators, first connections
    figures: dict[str, list[tuple[float, float]]] = {"store off": [], "store on": []}
    for _ in range(repeats):
        wall, cpu, failed = asyncio.run(_engine_run(models, None))
        assert failed == 0
        figures["store off"].append((wall, cpu))
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/store.db"
            wall, cpu, failed = asyncio.run(_engine_run(models, StoreSettings(url=SecretStr(url))))
            close_database(url)
        assert failed == 0
        figures["store on"].append((wall, cpu))
    return figures


def _measure_flow(base_url: str, repeats: int) -> dict[str, list[tuple[float, float]]]:
    from benchmarks._prefect_server import flush_prefect_logs, prefect_server

    figures: dict[str, list[tuple[float, float]]] = {"store off": [], "store on": []}
    with tempfile.TemporaryDirectory() as tmp:
        dataset = Path(tmp) / "items.jsonl"
        dataset.write_text("".join(json.dumps(i.model_dump(exclude_defaults=True)) + "\n" for i in ITEMS))
        models = "".join(
            f'[models.m{i}]\nprovider = "openai"\nmodel = "m{i}"\nbase_url = "{base_url}"\nmax_tokens = 64\n'
            for i in range(N_MODELS)
        )
        with prefect_server():
            from flows.benchmark import benchmark_models
            from llmbench.runs import BenchmarkRequest

            for attempt in range(repeats + 1):
                for label, enabled in (("store off", "false"), ("store on", "true")):
                    home = Path(tmp) / f"{label.replace(' ', '-')}-{attempt}"
                    home.mkdir()
                    config = home / "llmbench.toml"
                    config.write_text(
                        f"[store]\nenabled = {enabled}\n[cache]\nenabled = {enabled}\n"
                        f'[orchestration]\nprofiles_path = "{home}/profiles.json"\n'
                        f"[prefect]\nprovider_concurrency = {{ openai = {CONCURRENCY} }}\n{models}"
                    )
                    os.environ.update(
                        LLMBENCH_CONFIG=str(config),
                        LLMBENCH_HOME=str(home),
                        MLFLOW_TRACKING_URI=f"sqlite:///{home}/mlflow.db",
                    )
                    request = BenchmarkRequest(
                        dataset=str(dataset),
                        models=[f"m{i}" for i in range(N_MODELS)],
                        concurrency=CONCURRENCY,
                        metrics=METRICS,
                        update_profiles=False,
                    )
                    cpu = time.process_time()
                    result = asyncio.run(benchmark_models(request))
                    if attempt:  # the first round registers the flow and creates the MLflow schema
                        figures[label].append((result.duration_ms / 1000, time.process_time() - cpu))
            flush_prefect_logs()
    return figures


def _report(title: str, figures: dict[str, list[tuple[float, float]]]) -> bool:
    print(title)
    ok = True
    for label, runs in figures.items():
        walls = [w for w, _ in runs]
        best, median = min(walls), statistics.median(walls)
        cpu_ms = statistics.median(c for _, c in runs) * 1000 / (N_MODELS * N_ITEMS)
        print(
            f"  {label:<9}: best {best:.2f} s = {best / IDEAL_S:.2f}× ideal, median {median:.2f} s = "
            f"{median / IDEAL_S:.2f}×, CPU {cpu_ms:.2f} ms per call"
        )
        if label == "store on":
            ok = median / IDEAL_S <= TARGET_RATIO
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--flow", action="store_true", help="also measure through the benchmark flow")
    parser.add_argument(
        "--default-gc", action="store_true", help="keep Python's default GC instead of the CLI's tuning"
    )
    args = parser.parse_args(argv)
    if not args.default_gc:
        # The process a user runs is the `llmbench` CLI, which tunes the collector and freezes what the imports
        # left (llmbench.cli._shared.run_once_gc): measured here, 0.1-0.2 ms CPU per call less.
        import gc

        from llmbench.cli._shared import run_once_gc

        run_once_gc()
        gc.freeze()
    print(f"garbage collector: {'Python default' if args.default_gc else 'tuned as the llmbench CLI does'}")
    print(
        f"{N_MODELS} models × {N_ITEMS} items, concurrency {CONCURRENCY}, {LATENCY_MS} ms per answer over HTTP, "
        f"{os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f}); ideal {IDEAL_S:.1f} s"
    )
    with mock_server_process([f"m{i}" for i in range(N_MODELS)], LATENCY_MS) as base_url:
        ok = _report("engine (execute_models, scored on arrival):", _measure_engine(base_url, args.repeats))
        if args.flow:
            _report("benchmark flow (execute phase):", _measure_flow(base_url, args.repeats))
    print(f"target: calls ≤ {TARGET_RATIO}× ideal with the store on (median) → {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
