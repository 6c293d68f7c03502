"""The benchmark flow on shipped datasets: aggregates, retries, timeouts, concurrency limits, profiles."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

import llmbench.tracking
import tasks.log
from flows import pipeline
from flows.benchmark import benchmark_models
from llmbench.providers.sim import sim_stats
from llmbench.runs import BenchmarkRequest
from llmbench.tracking import find_runs
from tasks.limits import upsert_provider_limits
from tests.conftest import write_config

pytestmark = pytest.mark.usefixtures("prefect_harness")

FAST_MODELS = """
[models.fast-good]
provider = "sim"
model = "fast-good"
simulation = { quality = 0.95, latency_ms = 10 }

[models.fast-weak]
provider = "sim"
model = "fast-weak"
simulation = { quality = 0.2, latency_ms = 20, weak_styles = ["off_topic", "repetitive"] }

[models.fast-flaky]
provider = "sim"
model = "fast-flaky"
simulation = { quality = 0.8, latency_ms = 15, failure_rate = 0.3 }

[retry]
max_attempts = 2
backoff_initial_seconds = 0.01
backoff_max_seconds = 0.02
"""
MODELS = ["fast-good", "fast-weak", "fast-flaky"]


def _bench(**fields) -> object:
    request = BenchmarkRequest(dataset="examples/datasets/qa_small.jsonl", models=MODELS, **fields)
    return asyncio.run(benchmark_models(request))


def test_benchmark_ranks_aggregates_counts_failures_and_learns_profiles(workspace: Path) -> None:
    write_config(workspace, FAST_MODELS)
    result = _bench()
    assert len(result.results) == 3 * 12  # every call is a row, failures included
    ranked = {r.model: r for r in result.rankings}
    assert result.winner == "sim/fast-good"
    assert ranked["sim/fast-good"].component_scores.quality > ranked["sim/fast-weak"].component_scores.quality
    flaky = ranked["sim/fast-flaky"]
    assert 0 < flaky.n_failed < 12 and flaky.success_rate == pytest.approx(1 - flaky.n_failed / 12)

    profiles = json.loads((workspace / "profiles.json").read_text())
    assert set(profiles["profiles"]) >= {"sim/fast-good", "sim/fast-weak"}

    run = find_runs("llmbench-benchmark", tracking_uri=f"sqlite:///{workspace}/mlflow.db")[0]
    assert run["params"]["dataset_name"] == "qa_small" and len(run["params"]["dataset_hash"]) == 64
    assert run["children"]["sim/fast-flaky"]["metrics"]["success_rate"] == pytest.approx(flaky.success_rate)
    assert {"results/items.json", "plots/pairwise_quality.png", "plots/quality_vs_cost.png", "report.md"} <= set(
        run["artifacts"]
    )
    # 12 items: statistics are on by default, so the run carries intervals and tie groups everywhere.
    assert result.statistics is not None and result.statistics.enabled and result.statistics.groups["overall"]
    assert ranked["sim/fast-good"].rank_group == 1 and ranked["sim/fast-good"].quality_interval is not None
    assert run["params"]["statistics"] == "true" and run["tags"]["llmbench.statistics"] == "on"
    good = run["children"]["sim/fast-good"]["metrics"]
    assert "quality_ci_low" in good and "rank_group" in good
    assert {"plots/intervals.png", "plots/pareto.png", "statistics.json"} <= set(run["artifacts"])


def test_a_task_that_fails_once_is_retried(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(workspace, FAST_MODELS)
    real = llmbench.tracking.log_comparison
    calls: list[int] = []

    def flaky_tracking(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("tracking server briefly unavailable")
        return real(*args, **kwargs)

    monkeypatch.setattr(llmbench.tracking, "log_comparison", flaky_tracking)
    monkeypatch.setattr(tasks.log.log_to_mlflow, "retry_delay_seconds", [0])
    _bench(limit=3, update_profiles=False)
    assert len(calls) == 2
    assert len(find_runs("llmbench-benchmark", tracking_uri=f"sqlite:///{workspace}/mlflow.db")) == 1


def test_a_model_whose_task_times_out_is_recorded_as_failed_and_the_run_completes(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documented behaviour: the model's rows fail with error_type TaskFailed and it is listed as incomplete."""
    write_config(
        workspace,
        FAST_MODELS
        + '\n[models.stuck]\nprovider = "sim"\nmodel = "stuck"\nsimulation = { latency_ms = 30000, jitter = 0 }\n',
    )
    monkeypatch.setattr(pipeline, "TASK_TIMEOUT_GRACE_SECONDS", -54.0)  # task timeout 6 s, deadline 60 s
    request = BenchmarkRequest(
        dataset="examples/datasets/qa_small.jsonl",
        models=["fast-good", "stuck"],
        limit=2,
        timeout_seconds=60,
        update_profiles=False,
    )
    result = asyncio.run(benchmark_models(request))
    stuck = [r for r in result.results if r.model == "sim/stuck"]
    assert len(stuck) == 2 and all(r.error_type == "TaskFailed" for r in stuck)
    assert "TimedOut" in (stuck[0].error or "") or "timed out" in (stuck[0].error or "").lower()
    assert result.incomplete_models == ["sim/stuck"] and not result.complete
    assert result.winner == "sim/fast-good"


def test_provider_concurrency_limit_caps_calls_in_flight(workspace: Path) -> None:
    write_config(workspace, FAST_MODELS)
    asyncio.run(upsert_provider_limits({"sim": 4}))
    try:
        sim_stats().reset()
        _bench(concurrency=50, update_profiles=False)
        assert sim_stats().max_in_flight == 4  # measured by the simulated provider
        assert sim_stats().calls >= 36
    finally:
        asyncio.run(upsert_provider_limits({"sim": 100}))


def test_run_concurrency_caps_calls_in_flight(workspace: Path) -> None:
    write_config(workspace, FAST_MODELS)
    sim_stats().reset()
    _bench(concurrency=2, update_profiles=False)
    assert sim_stats().max_in_flight == 2
