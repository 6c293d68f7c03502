"""What MLflow tracing would cost per model call: one span per call under one root span, on a local SQLite store.

The issue allowed tracing "if it stays cheap". Measured here (2 cores): ~1.6 ms CPU and ~3 ms wall per span at
1000 spans, about as much CPU as the whole pipeline spends per call (benchmarks/pipeline_overhead.py), so llmbench
does not trace calls; per-call rows go to the run's results table instead. Re-run this when MLflow changes.
Run: ``.venv/bin/python benchmarks/mlflow_tracing_cost.py``.
"""

from __future__ import annotations

import tempfile
import time

import mlflow


def measure(n_spans: int) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    with mlflow.start_span(name="benchmark"):
        for i in range(n_spans):
            with mlflow.start_span(name="model-call") as span:
                span.set_inputs({"model": "sim/x", "item": str(i)})
                span.set_outputs({"latency_ms": 100.0})
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        mlflow.set_tracking_uri(f"sqlite:///{tmp}/mlflow.db")
        mlflow.set_experiment("tracing-cost")
        measure(10)  # warm-up: schema and exporter start
        for n in (100, 1000):
            wall, cpu = measure(n)
            print(
                f"{n:5d} spans: wall {wall:.2f} s ({wall / n * 1000:.2f} ms/span), "
                f"CPU {cpu:.2f} s ({cpu / n * 1000:.2f} ms/span)"
            )


if __name__ == "__main__":
    main()
