"""Real flow runs under the Prefect test harness, recorded in a real MLflow store in a temporary directory."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from mlflow import MlflowClient

from flows.compare import compare_models
from llmbench.runs import CompareRequest
from llmbench.tracking import find_runs

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_compare_flow_records_params_metrics_and_result(workspace: Path) -> None:
    request = CompareRequest(
        prompt="What does photosynthesis produce?",
        context="Photosynthesis turns light into glucose. Oxygen is released.",
        models=["sim:oracle-xl", "sim:swift-s", "sim:mystery-x"],
    )
    result = asyncio.run(compare_models(request))
    assert [r.model for r in result.results] == ["sim/oracle-xl", "sim/swift-s", "sim/mystery-x"]
    assert result.winner in result.models

    runs = find_runs("llmbench-compare", tracking_uri=f"sqlite:///{workspace}/mlflow.db")
    assert len(runs) == 1
    run = runs[0]
    assert run["params"]["concurrency"] == "10"
    children = run["children"]
    for model in ("sim/oracle-xl", "sim/swift-s"):
        for metric in ("quality", "latency_p50_ms", "cost_total_usd", "overall_score", "rank"):
            assert metric in children[model]["metrics"], f"{model}: {metric}"
    assert "cost_total_usd" not in children["sim/mystery-x"]["metrics"]  # unknown price is not $0
    assert children["sim/mystery-x"]["tags"]["llmbench.price"] == "unknown"
    assert run["tags"]["prefect.flow_run_id"]
    assert "None/" not in run["tags"].get("prefect.flow_run_url", "")  # no link rather than a broken one
    assert "comparison.json" in run["artifacts"]

    client = MlflowClient(f"sqlite:///{workspace}/mlflow.db")
    local = client.download_artifacts(run["run_id"], "comparison.json", str(workspace))
    stored = json.loads(Path(local).read_text())
    assert stored["winner"] == result.winner
    assert [r["model"] for r in stored["rankings"]] == [r.model for r in result.rankings]
