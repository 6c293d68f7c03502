"""The deployments of prefect.yaml on a real Prefect server and process worker, recorded in a real MLflow store.

One LocalStack (server, work pool, ``prefect deploy --all``, worker) per module, all state in a temporary directory,
stopped even when a test fails. ~30 s on 2 cores.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings

from deployments.local import LocalStack
from llmbench.tracking import find_runs

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

REPO = Path(__file__).resolve().parents[2]
MODELS = ["sim:swift-s", "sim:balanced-m"]
BENCHMARK_REQUEST = {"dataset": "examples/datasets/qa_small.jsonl", "models": MODELS, "limit": 4}
RUN_TIMEOUT_SECONDS = 90


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    home = tmp_path_factory.mktemp("stack")
    env = dict(os.environ)  # the children's environment; this process's own stays untouched
    for name in ("LLMBENCH_CONFIG", "PREFECT_API_KEY", "PREFECT_API_DATABASE_CONNECTION_URL"):
        env.pop(name, None)
    env.update(
        MLFLOW_TRACKING_URI=f"sqlite:///{home}/mlflow.db",
        PREFECT_WORKER_QUERY_SECONDS="1",  # pick the run up at once instead of within 10 s
        # No scheduled runs of the nightly refresh: the schedule itself is still stored and checked below.
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
    )
    with LocalStack(REPO, home=home, port=_free_port(), env=env) as started:
        yield started


@pytest.fixture(scope="module")
def benchmark_run(stack: LocalStack) -> Any:
    with temporary_settings(updates={PREFECT_API_URL: stack.api_url}):
        flow_run = run_deployment(
            "benchmark-models/benchmark",
            parameters={"request": BENCHMARK_REQUEST},
            timeout=RUN_TIMEOUT_SECONDS,
            poll_interval=1,
        )
    return flow_run


async def _deployment(stack: LocalStack, name: str) -> Any:
    with temporary_settings(updates={PREFECT_API_URL: stack.api_url}):
        async with get_client() as client:
            return await client.read_deployment_by_name(name)


async def _artifacts(stack: LocalStack, flow_run_id: UUID) -> Any:
    with temporary_settings(updates={PREFECT_API_URL: stack.api_url}):
        async with get_client() as client:
            return await client.read_artifacts(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))


def _worker_log(stack: LocalStack) -> str:
    return stack.log_file("worker").read_text(errors="replace")[-3000:]


def test_benchmark_deployment_completes_on_the_worker(stack: LocalStack, benchmark_run: Any) -> None:
    assert benchmark_run.state is not None and benchmark_run.state.is_completed(), (
        f"{benchmark_run.state}\n{_worker_log(stack)}"
    )


def test_benchmark_run_is_recorded_in_mlflow_with_the_flow_run_id(stack: LocalStack, benchmark_run: Any) -> None:
    runs = find_runs("llmbench-benchmark", tracking_uri=stack.env["MLFLOW_TRACKING_URI"])
    mine = [r for r in runs if r["tags"].get("prefect.flow_run_id") == str(benchmark_run.id)]
    assert len(mine) == 1, f"{[r['tags'].get('prefect.flow_run_id') for r in runs]}\n{_worker_log(stack)}"
    run = mine[0]
    assert run["status"] == "FINISHED"
    assert run["tags"].get("prefect.flow_run_url", "").startswith("http"), run["tags"]  # a link a reviewer can open
    # The flow run started in a temporary directory: a relative dataset path resolves only if the pull step
    # moved it to the checkout.
    assert run["params"]["dataset_name"] == "qa_small" and run["params"]["n_items"] == "4"
    for model in ("sim/swift-s", "sim/balanced-m"):
        for metric in ("quality", "success_rate", "overall_score", "rank"):
            assert metric in run["children"][model]["metrics"], f"{model}: {metric}"
    assert {"results/items.json", "plots/pairwise_quality.png", "plots/quality_vs_cost.png"} <= set(run["artifacts"])


def test_state_goes_to_the_stack_home_not_the_checkout(stack: LocalStack, benchmark_run: Any) -> None:
    profiles = stack.home / "profiles.json"
    assert profiles.is_file(), sorted(p.name for p in stack.home.iterdir())
    assert {"sim/swift-s", "sim/balanced-m"} <= set(json.loads(profiles.read_text())["profiles"])
    assert (stack.home / "mlartifacts").is_dir()


def test_flow_run_publishes_a_report_and_a_ranking_table(stack: LocalStack, benchmark_run: Any) -> None:
    artifacts = asyncio.run(_artifacts(stack, benchmark_run.id))
    by_key = {a.key: a.type for a in artifacts}
    assert by_key.get("benchmark-report") == "markdown", by_key
    assert by_key.get("benchmark-ranking") == "table", by_key


def test_refresh_deployment_runs_nightly_at_three_utc(stack: LocalStack) -> None:
    deployment = asyncio.run(_deployment(stack, "refresh-router-profiles/refresh-profiles"))
    crons = [(s.schedule.cron, s.schedule.timezone, s.active) for s in deployment.schedules]
    assert crons == [("0 3 * * *", "UTC", True)]
    assert deployment.pull_steps == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(stack.project_dir)}}
    ]


@pytest.mark.parametrize(
    ("name", "model", "fields"),
    [
        ("compare-models/compare", "CompareRequest", {"prompt", "models", "metrics", "weights"}),
        ("benchmark-models/benchmark", "BenchmarkRequest", {"dataset", "models", "limit", "update_profiles"}),
        ("refresh-router-profiles/refresh-profiles", "RefreshRequest", {"dataset", "models", "limit"}),
    ],
)
def test_parameters_are_typed_forms(stack: LocalStack, name: str, model: str, fields: set[str]) -> None:
    schema = asyncio.run(_deployment(stack, name)).parameter_openapi_schema
    assert set(schema["properties"]) == {"request"}
    assert fields <= set(schema["definitions"][model]["properties"]), schema
