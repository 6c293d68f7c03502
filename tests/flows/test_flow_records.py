"""What a reader finds of a flow run: a meaningful name in Prefect, the result in its logs, and an MLflow run that
starts when the flow started."""

from __future__ import annotations

import asyncio
from pathlib import Path
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

from flows.benchmark import benchmark_models
from flows.compare import compare_models
from llmbench.runs import BenchmarkRequest, CompareRequest
from llmbench.tracking import find_runs

pytestmark = pytest.mark.usefixtures("prefect_harness")


async def _flow_run_and_logs(flow_run_id: str) -> tuple[object, list[str]]:
    async with get_client() as client:
        run = await client.read_flow_run(UUID(flow_run_id))
        for _ in range(100):  # the log worker sends batches in the background
            logs = await client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[UUID(flow_run_id)])))
            if any("HTML report" in log.message for log in logs):
                break
            await asyncio.sleep(0.1)
    return run, [log.message for log in logs]


def test_a_compare_run_is_named_and_logs_its_result(workspace: Path) -> None:
    request = CompareRequest(prompt="What does photosynthesis produce?", models=["sim:oracle-xl", "sim:swift-s"])
    result = asyncio.run(compare_models(request))
    assert result.links is not None and result.links.prefect_flow_run_id and result.links.mlflow_run_id
    flow_run, messages = asyncio.run(_flow_run_and_logs(result.links.prefect_flow_run_id))
    assert flow_run.name == "compare · 2 models · “What does photosynthesis produce?”"  # type: ignore[attr-defined]
    text = "\n".join(messages)
    assert f"winner: {result.winner}" in text
    for ranking in result.rankings:  # one line per model with its rank and quality
        line = next(m for m in messages if ranking.model in m and m.startswith("#"))
        assert line.startswith(f"#{ranking.rank}") and f"quality {ranking.component_scores.quality:.3f}" in line
    assert f"MLflow run {result.links.mlflow_run_id}" in text
    assert f"llmbench report {result.links.mlflow_run_id} --html" in text


def test_a_benchmark_run_is_named_after_its_dataset_and_its_mlflow_run_spans_the_flow(workspace: Path) -> None:
    request = BenchmarkRequest(models=["sim:balanced-m", "sim:swift-s"], limit=3, update_profiles=False)
    result = asyncio.run(benchmark_models(request))
    assert result.links is not None and result.links.prefect_flow_run_id
    flow_run, _ = asyncio.run(_flow_run_and_logs(result.links.prefect_flow_run_id))
    assert flow_run.name == "bench qa_small · 2 models · first 3 items"  # type: ignore[attr-defined]
    [run] = find_runs("llmbench-benchmark", tracking_uri=f"sqlite:///{workspace}/mlflow.db")
    assert run["run_name"].startswith("qa_small · 2 models × 3 items · ")
    started = flow_run.start_time.timestamp() * 1000  # type: ignore[attr-defined]
    # The MLflow run starts when the flow started (not when logging began) and ends after recording.
    assert abs(run["start_time"] - started) < 1000
    assert run["end_time"] - run["start_time"] >= result.duration_ms
    assert set(run["children"]) == {"sim/balanced-m", "sim/swift-s"}
