"""The benchmark flow resumes, never pays twice, and leaves all-or-nothing records."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

import tasks.profiles
from flows.benchmark import benchmark_models
from llmbench.errors import ConfigError
from llmbench.providers.sim import sim_stats
from llmbench.runs import BenchmarkRequest
from llmbench.store import RunStatus, close_database, open_run_store
from llmbench.tracking import find_runs
from tests.conftest import write_config

pytestmark = pytest.mark.usefixtures("prefect_harness")

MODELS_TOML = """
[models.quick]
provider = "sim"
model = "quick"
simulation = { quality = 0.9, latency_ms = 10, jitter = 0 }

[models.slow]
provider = "sim"
model = "slow"
simulation = { quality = 0.7, latency_ms = 400, jitter = 0 }
"""


def _request(**fields: object) -> BenchmarkRequest:
    values: dict[str, object] = {"dataset": "examples/datasets/qa_small.jsonl", "models": ["quick", "slow"], "limit": 6}
    return BenchmarkRequest.model_validate({**values, **fields})


def _profiles(workspace: Path) -> dict:
    path = workspace / "profiles.json"
    return json.loads(path.read_text())["profiles"] if path.exists() else {}


def test_a_cut_run_is_resumed_by_the_rerun_with_no_call_for_a_done_pair(workspace: Path) -> None:
    write_config(workspace, MODELS_TOML)
    sim_stats().reset()
    cut = asyncio.run(benchmark_models(_request(concurrency=1, timeout_seconds=1)))
    assert not cut.complete and cut.run_id
    first_calls = sim_stats().calls
    store = open_run_store(f"sqlite:///{workspace}/store.db")
    assert store.get_run(cut.run_id).status is RunStatus.INTERRUPTED
    done = store.count_results(cut.run_id)
    assert 0 < done < 12 and _profiles(workspace) == {}  # profiles learn only from a complete run

    sim_stats().reset()
    whole = asyncio.run(benchmark_models(_request(concurrency=4, timeout_seconds=60)))
    assert whole.run_id == cut.run_id and whole.complete
    assert sim_stats().calls == 12 - done and first_calls >= done
    assert store.get_run(cut.run_id).status is RunStatus.COMPLETE
    assert len(whole.results) == 12 and set(_profiles(workspace)) == {"sim/quick", "sim/slow"}

    sim_stats().reset()
    again = asyncio.run(benchmark_models(_request(update_profiles=False)))
    assert again.run_id != whole.run_id and sim_stats().calls == 0  # a new run, every answer from the cache
    assert all(r.cached for r in again.results)
    close_database(f"sqlite:///{workspace}/store.db")


def test_a_failure_after_logging_marks_the_mlflow_run_failed(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(workspace, MODELS_TOML)

    def broken(*args: object, **kwargs: object) -> list[str]:
        raise OSError("disk full while writing profiles")

    monkeypatch.setattr(tasks.profiles, "learn_profiles", broken)
    with pytest.raises(Exception, match="disk full"):
        asyncio.run(benchmark_models(_request(models=["quick"])))
    [run] = find_runs("llmbench-benchmark", tracking_uri=f"sqlite:///{workspace}/mlflow.db")
    assert run["status"] == "FAILED"
    store = open_run_store(f"sqlite:///{workspace}/store.db")
    [record] = store.list_runs()
    assert record.status is RunStatus.FAILED
    close_database(f"sqlite:///{workspace}/store.db")


def test_an_unusable_profiles_path_fails_before_any_call(workspace: Path) -> None:
    (workspace / "profiles-dir").mkdir()
    write_config(workspace, MODELS_TOML + f'\n[orchestration]\nprofiles_path = "{workspace}/profiles-dir"\n')
    sim_stats().reset()
    with pytest.raises(ConfigError, match=r"profiles_path = .*is a directory"):
        asyncio.run(benchmark_models(_request(models=["quick"])))
    assert sim_stats().calls == 0
    assert find_runs("llmbench-benchmark", tracking_uri=f"sqlite:///{workspace}/mlflow.db") == []


def test_a_prefect_retry_of_execute_model_resumes_from_the_store(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The task fails once mid-way (here: scoring its 4th answer); Prefect's retry calls only what is missing."""
    import tasks.execute

    write_config(workspace, MODELS_TOML)
    real = tasks.execute.make_scorer
    scored: list[str] = []

    def failing_once(metrics: list[str]):
        score = real(metrics)

        async def scorer(result, item):
            scored.append(result.model)
            if result.model == "sim/quick" and scored.count("sim/quick") == 4:
                raise RuntimeError("the scorer crashed once")
            return await score(result, item)

        return scorer

    monkeypatch.setattr(tasks.execute, "make_scorer", failing_once)
    monkeypatch.setattr(tasks.execute.execute_model, "retry_delay_seconds", [0, 0])
    sim_stats().reset()
    result = asyncio.run(benchmark_models(_request(models=["quick"], concurrency=1, update_profiles=False)))
    assert result.complete and all(r.success for r in result.results) and len(result.results) == 6
    assert sim_stats().calls == 6 + 1  # only the answer whose scoring crashed was asked again


def test_four_benchmarks_at_once_all_finish_and_all_their_profiles_arrive(workspace: Path) -> None:
    toml = "".join(
        f'[models.c{i}]\nprovider = "sim"\nmodel = "c{i}"\nsimulation = {{ quality = 0.8, latency_ms = 15 }}\n'
        for i in range(4)
    )
    write_config(workspace, toml)

    async def four() -> list:
        return await asyncio.gather(*(benchmark_models(_request(models=[f"c{i}"], concurrency=3)) for i in range(4)))

    results = asyncio.run(four())
    assert all(r.complete and len(r.results) == 6 for r in results)
    assert len({r.run_id for r in results}) == 4
    assert set(_profiles(workspace)) == {f"sim/c{i}" for i in range(4)}
    store = open_run_store(f"sqlite:///{workspace}/store.db")
    assert all(store.get_run(r.run_id).status is RunStatus.COMPLETE for r in results)
    close_database(f"sqlite:///{workspace}/store.db")
