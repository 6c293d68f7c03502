"""Wall time of comparing 10 simulated models (50–200 ms) against the slowest model's latency. Target ≤ 1.2×.

Measures the core engine alone and the ``compare-models`` flow (with a running Prefect server, start-up excluded),
each as the median of several runs. Run: ``.venv/bin/python benchmarks/compare_latency.py``.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from benchmarks._prefect_server import flush_prefect_logs, prefect_server
from llmbench.comparison import ComparisonEngine
from llmbench.types import ComparisonConfig, ModelConfig, SimSpec

TARGET = 1.2
LATENCIES = [50 + i * (150 / 9) for i in range(10)]  # 50 ... 200 ms
PROMPT = "What does photosynthesis produce?"
CONTEXT = "Photosynthesis turns light, water and carbon dioxide into glucose. Oxygen is released."


def _models() -> list[ModelConfig]:
    return [
        ModelConfig(provider="sim", model=f"m{i}", simulation=SimSpec(quality=0.8, latency_ms=ms, jitter=0))
        for i, ms in enumerate(LATENCIES)
    ]


def _config_file(directory: Path) -> Path:
    lines = []
    for i, ms in enumerate(LATENCIES):
        lines += [
            f"[models.m{i}]",
            'provider = "sim"',
            f'model = "m{i}"',
            f"simulation = {{ latency_ms = {ms}, jitter = 0 }}",
            "",
        ]
    lines += ["[tracking]", "enabled = false"]
    path = directory / "llmbench.toml"
    path.write_text("\n".join(lines))
    return path


def _report(label: str, seconds: list[float]) -> None:
    slowest = max(LATENCIES) / 1000
    median = statistics.median(seconds)
    verdict = "OK" if median / slowest <= TARGET else "ABOVE TARGET"
    print("  runs (ms):", ", ".join(f"{s * 1000:.0f}" for s in seconds))
    print(
        f"{label:34} median {median * 1000:7.1f} ms over {len(seconds)} runs = {median / slowest:.2f}× the "
        f"slowest model ({slowest * 1000:.0f} ms); target ≤ {TARGET}× → {verdict}"
    )


def bench_engine(runs: int = 7) -> None:
    engine = ComparisonEngine(ComparisonConfig(models=_models()))
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        asyncio.run(engine.compare(PROMPT, CONTEXT))
        times.append(time.perf_counter() - started)
    _report("core ComparisonEngine", times)


def bench_flow(runs: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp, prefect_server():
        # Prefect reads PREFECT_API_URL when first imported: import it only once the server is up.
        from flows.compare import compare_models
        from llmbench.runs import CompareRequest

        os.environ["LLMBENCH_CONFIG"] = str(_config_file(Path(tmp)))
        request = CompareRequest(prompt=PROMPT, context=CONTEXT, models=[f"m{i}" for i in range(10)])
        asyncio.run(compare_models(request))  # warm-up: first flow run registers the flow
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            asyncio.run(compare_models(request))
            times.append(time.perf_counter() - started)
        _report("compare-models flow (MLflow off)", times)
        flush_prefect_logs()


if __name__ == "__main__":
    print(f"10 simulated models, latencies {LATENCIES[0]:.0f}–{LATENCIES[-1]:.0f} ms, on {os.cpu_count()} cores")
    bench_engine()
    bench_flow()
