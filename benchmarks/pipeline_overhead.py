"""Wall time and CPU of the benchmark flow: 10 simulated models × 100 items at concurrency 50, 100 ms per call.

Ideal: 1000 calls × 0.1 s / 50 in flight = 2 s. Target: ≤ 1.3× ideal plus ≤ 3 s of fixed start-up, with a running
Prefect server (started here on the local PostgreSQL unless PREFECT_API_URL names one). The fixed part is measured,
not assumed: a run of 10 calls (one item) shows what every run pays whatever its size (flow start and finish, the
MLflow run, artifacts); the size-dependent part is the 1000-call run minus that.
Run: ``.venv/bin/python benchmarks/pipeline_overhead.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from benchmarks._prefect_server import flush_prefect_logs, prefect_server

N_MODELS, N_ITEMS, CONCURRENCY, LATENCY_MS = 10, 100, 50, 100
IDEAL_S = N_MODELS * N_ITEMS * LATENCY_MS / 1000 / CONCURRENCY
TARGET_RATIO, TARGET_START_S = 1.3, 3.0


def _workspace(directory: Path) -> tuple[Path, Path]:
    dataset = directory / "items.jsonl"
    with dataset.open("w") as f:
        for i in range(N_ITEMS):
            f.write(json.dumps({"id": f"q{i}", "prompt": f"Question {i}: what does photosynthesis produce?"}) + "\n")
    lines = [f'[orchestration]\nprofiles_path = "{directory}/profiles.json"\n']
    for i in range(N_MODELS):
        lines.append(
            f'[models.m{i}]\nprovider = "sim"\nmodel = "m{i}"\n'
            f"simulation = {{ quality = 0.8, latency_ms = {LATENCY_MS}, jitter = 0 }}\n"
        )
    lines.append(f"[prefect]\nprovider_concurrency = {{ sim = {CONCURRENCY} }}\n")
    config = directory / "llmbench.toml"
    config.write_text("\n".join(lines))
    return dataset, config


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        dataset, config = _workspace(Path(tmp))
        os.environ.update(
            LLMBENCH_CONFIG=str(config), LLMBENCH_HOME=tmp, MLFLOW_TRACKING_URI=f"sqlite:///{tmp}/mlflow.db"
        )
        with prefect_server():
            started = time.perf_counter()
            from flows.benchmark import benchmark_models  # Prefect reads PREFECT_API_URL on import
            from llmbench.runs import BenchmarkRequest

            import_s = time.perf_counter() - started

            def run(limit: int | None) -> tuple[float, float, object]:
                request = BenchmarkRequest(
                    dataset=str(dataset),
                    models=[f"m{i}" for i in range(N_MODELS)],
                    concurrency=CONCURRENCY,
                    limit=limit,
                )
                cpu, wall = time.process_time(), time.perf_counter()
                result = asyncio.run(benchmark_models(request))
                return time.perf_counter() - wall, time.process_time() - cpu, result

            first, _, _ = run(1)  # creates the MLflow schema, registers the flow
            small, _, _ = run(1)  # 10 calls: what every run pays whatever its size
            wall, cpu, result = run(None)
            flush_prefect_logs()
        execute_s = result.duration_ms / 1000  # type: ignore[attr-defined]
        calls = len(result.results)  # type: ignore[attr-defined]
        failed = sum(not r.success for r in result.results)  # type: ignore[attr-defined]
        variable = wall - small
        ideal_variable = IDEAL_S - LATENCY_MS / 1000 * N_MODELS / CONCURRENCY
        start = import_s + small
        print(
            f"{N_MODELS} models × {N_ITEMS} items, concurrency {CONCURRENCY}, {LATENCY_MS} ms per call, "
            f"{os.cpu_count()} cores; ideal {IDEAL_S:.1f} s; {calls} calls, {failed} failed"
        )
        print(f"model calls (execute phase):      {execute_s:.2f} s = {execute_s / IDEAL_S:.2f}× ideal")
        print(f"whole flow run:                   {wall:.2f} s = {wall / IDEAL_S:.2f}× ideal")
        print(
            f"fixed part of every run: import {import_s:.2f} s + a 10-call run {small:.2f} s = {start:.2f} s "
            f"(target ≤ {TARGET_START_S} s) → {'OK' if start <= TARGET_START_S else 'ABOVE TARGET'}"
        )
        print(f"once per new MLflow store and flow registration: +{first - small:.2f} s")
        print(
            f"size-dependent part: {variable:.2f} s for the other {calls - N_MODELS} calls = "
            f"{variable / ideal_variable:.2f}× their ideal (target ≤ {TARGET_RATIO}×) → "
            f"{'OK' if variable / ideal_variable <= TARGET_RATIO else 'ABOVE TARGET'}"
        )
        print(f"CPU of this process in the 1000-call run: {cpu:.2f} s ({cpu / calls * 1000:.2f} ms per call)")


if __name__ == "__main__":
    main()
