"""A run interrupted (Ctrl-C, SIGTERM) while its MLflow run is being written leaves that run FAILED, not FINISHED:
the logging thread cannot be stopped, so the run it ends up writing is marked once it is known."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from flows.pipeline import write_records


def test_interrupted_while_the_mlflow_run_is_written_leaves_it_failed(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    client = MlflowClient(uri)
    experiment = client.create_experiment("interrupted")
    started, go = threading.Event(), threading.Event()
    profiles_updated: list[bool] = []

    def log_run() -> str:  # what log_to_mlflow does, held until the interrupt has landed
        started.set()
        go.wait(30)
        run = client.create_run(experiment)
        client.set_terminated(run.info.run_id, "FINISHED")
        return run.info.run_id

    async def update_profiles() -> None:
        profiles_updated.append(True)

    async def scenario() -> None:
        records = asyncio.create_task(
            write_records(asyncio.sleep(0), asyncio.to_thread(log_run), uri, then=update_profiles)
        )
        await asyncio.to_thread(started.wait, 30)
        records.cancel()
        await asyncio.sleep(0)
        go.set()
        with pytest.raises(asyncio.CancelledError):
            await records

    asyncio.run(scenario())
    runs = client.search_runs([experiment])
    assert [r.info.status for r in runs] == ["FAILED"]
    assert profiles_updated == []
