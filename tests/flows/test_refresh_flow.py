"""The scheduled refresh: a probe benchmark whose results become per-task-type router profiles."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from mlflow import MlflowClient

from flows.refresh import RefreshRequest, refresh_router_profiles
from llmbench.router import ModelRouter, open_store
from llmbench.tracking import find_runs
from tests.conftest import write_config

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_refresh_learns_per_task_profiles_and_logs_before_and_after(workspace: Path) -> None:
    write_config(
        workspace,
        '[prefect]\nrefresh_dataset = "examples/datasets/mixed_tasks.jsonl"\n'
        'refresh_models = ["fast"]\n\n'
        '[models.fast]\nprovider = "sim"\nmodel = "fast"\nsimulation = { quality = 0.9, latency_ms = 5 }\n',
    )
    changed = asyncio.run(refresh_router_profiles(RefreshRequest()))
    assert changed == ["sim/fast"]

    profile = open_store(str(workspace / "profiles.json")).load()["sim/fast"]
    assert profile.sample_count == 16 and profile.quality_score is not None
    assert {"coding", "translation", "creative"} <= {t.value for t in profile.per_task}

    run = find_runs("llmbench-profiles", tracking_uri=f"sqlite:///{workspace}/mlflow.db")[0]
    assert {"profiles_before.json", "profiles_after.json"} <= set(run["artifacts"])
    client = MlflowClient(f"sqlite:///{workspace}/mlflow.db")
    after = json.loads(
        Path(client.download_artifacts(run["run_id"], "profiles_after.json", str(workspace))).read_text()
    )
    assert "sim/fast" in after

    selection = ModelRouter(open_store(str(workspace / "profiles.json"))).select_model(
        "Translate to French: good night", ["sim/fast"]
    )
    assert selection.model == "sim/fast" and selection.profile_source == "learned"
