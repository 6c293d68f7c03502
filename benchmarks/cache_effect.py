"""The response cache's effect: a 1,000-call benchmark (10 models × 100 items) run twice through the engine.

Against the OpenAI-compatible mock server (50 ms per answer, concurrency 50), with the result store and the cache
on (both in a temporary SQLite file). The first run calls; the second is a new run of the same benchmark (the
first completed), served from the cache. Targets: the second run makes 0 calls (counted by the mock server) and
takes ≤ 1.5 s of its own time (the engine's whole run: lookups, scoring, ranking, persisting its 1,000 rows).

    .venv/bin/python benchmarks/cache_effect.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydantic import SecretStr

from llmbench.comparison import ComparisonEngine
from llmbench.mock_server import MockModel, MockServer, MockServerConfig
from llmbench.store import StoreSettings, close_database, open_cache, spend_summary
from llmbench.types import ComparisonConfig, DatasetItem, ModelConfig, Price

N_MODELS, N_ITEMS, CONCURRENCY, LATENCY_MS = 10, 100, 50, 50
TARGET_SECOND_S = 1.5
METRICS = ["faithfulness", "relevance", "coherence"]


def main() -> int:
    names = [f"m{i}" for i in range(N_MODELS)]
    items = [
        DatasetItem(id=f"q{i}", prompt=f"Question {i}: what does photosynthesis produce?", reference="Glucose.")
        for i in range(N_ITEMS)
    ]
    server_config = MockServerConfig(models=[MockModel(name=n, latency_ms=LATENCY_MS) for n in names])
    with tempfile.TemporaryDirectory() as tmp, MockServer(server_config) as server:
        url = f"sqlite:///{tmp}/store.db"
        price = Price(input_per_mtok=1.0, output_per_mtok=4.0)
        models = [ModelConfig(provider="openai", model=n, base_url=server.openai_base_url, price=price) for n in names]
        config = ComparisonConfig(models=models, metrics=METRICS, concurrency_limit=CONCURRENCY, timeout_seconds=600)
        engine = ComparisonEngine(config, store=StoreSettings(url=SecretStr(url)))

        def run() -> tuple[float, float, int, object]:
            before = len(server.requests)
            wall, cpu = time.perf_counter(), time.process_time()
            result = asyncio.run(engine.run(items, name="cache-effect"))
            return time.perf_counter() - wall, time.process_time() - cpu, len(server.requests) - before, result

        first_s, _, first_calls, first = run()
        second_s, second_cpu, second_calls, second = run()
        stats = open_cache(url).stats()
        spend_first, spend_second = spend_summary(first.results), spend_summary(second.results)  # type: ignore[attr-defined]
        close_database(url)
    cores = f"{os.cpu_count()} (load average {os.getloadavg()[0]:.1f})"
    print(f"{N_MODELS} models × {N_ITEMS} items, concurrency {CONCURRENCY}, {LATENCY_MS} ms per answer, {cores} cores")
    print(f"first run:  {first_calls} calls in {first_s:.2f} s; spent ${spend_first.spent_usd:.4f}")
    print(
        f"second run: {second_calls} calls in {second_s:.2f} s ({second_cpu:.2f} s CPU); "
        f"{spend_second.n_cached} rows from the cache worth ${spend_second.cached_usd:.4f}, not spent; "
        f"spent ${spend_second.spent_usd:.4f}"
    )
    print(f"cache: {stats.entries} entries, {stats.size_bytes / 1e6:.2f} MB; last run {stats.last_run_hits} hits")
    ok_calls, ok_time = second_calls == 0, second_s <= TARGET_SECOND_S
    verdict = {True: "met", False: "NOT met"}
    print(f"target 0 calls: {verdict[ok_calls]}; target ≤ {TARGET_SECOND_S} s of its own time: {verdict[ok_time]}")
    return 0 if ok_calls and ok_time else 1


if __name__ == "__main__":
    sys.exit(main())
