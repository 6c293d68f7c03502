"""Past runs read back from MLflow: what ``llmbench runs list|show|diff`` and ``llmbench report`` start from.

A run is found by its full MLflow id, a unique prefix of it, or ``latest``; the whole result is the run's
``comparison.json`` artifact, so a report rebuilt later says exactly what the run said.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from mlflow import MlflowClient
from mlflow.entities import Run
from mlflow.exceptions import MlflowException
from pydantic import BaseModel

from llmbench.errors import ConfigError
from llmbench.tracking.mlflow_store import _client
from llmbench.types import ComparisonResult

__all__ = ["RunSummary", "list_runs", "load_run", "resolve_run"]

_PARENT_TAG = "mlflow.parentRunId"


class RunSummary(BaseModel):
    """One past run as a list shows it."""

    run_id: str
    name: str
    experiment: str
    status: str
    started_at: datetime | None
    duration_s: float | None
    winner: str | None
    n_models: int | None
    n_items: int | None
    simulated: bool
    complete: bool
    prefect_url: str | None = None


def _summary(run: Run, experiment: str) -> RunSummary:
    info, data = run.info, run.data
    tags, metrics = data.tags, data.metrics
    started = datetime.fromtimestamp(info.start_time / 1000, UTC) if info.start_time else None
    ended = info.end_time
    duration = (ended - info.start_time) / 1000 if ended and info.start_time else None
    winner = tags.get("llmbench.winner")
    return RunSummary(
        run_id=info.run_id,
        name=info.run_name or info.run_id,
        experiment=experiment,
        status=info.status,
        started_at=started,
        duration_s=duration,
        winner=None if winner in (None, "none") else winner,
        n_models=int(metrics["n_models"]) if "n_models" in metrics else None,
        n_items=int(metrics["n_items"]) if "n_items" in metrics else None,
        simulated=tags.get("llmbench.simulated") == "true",
        complete=tags.get("llmbench.complete", "true") == "true",
        prefect_url=tags.get("prefect.flow_run_url"),
    )


def _experiments(client: MlflowClient, names: Sequence[str]) -> dict[str, str]:
    """Experiment id -> name, for the names that exist."""
    found = {}
    for name in names:
        experiment = client.get_experiment_by_name(name)
        if experiment is not None:
            found[str(experiment.experiment_id)] = name
    return found


def list_runs(experiments: Sequence[str], *, tracking_uri: str | None = None, limit: int = 20) -> list[RunSummary]:
    """The newest top-level runs of ``experiments`` (per-model child runs are left out), newest first."""
    client, _ = _client(tracking_uri)
    ids = _experiments(client, experiments)
    if not ids:
        return []
    runs = client.search_runs(list(ids), order_by=["attributes.start_time DESC"], max_results=max(limit * 20, 100))
    parents = [run for run in runs if _PARENT_TAG not in run.data.tags]
    return [_summary(run, ids[run.info.experiment_id]) for run in parents[:limit]]


def resolve_run(ref: str, experiments: Sequence[str], *, tracking_uri: str | None = None) -> str:
    """A full run id from ``ref``: a full id, a unique prefix, or ``latest``; ConfigError names the problem."""
    ref = ref.strip()
    if not ref:
        raise ConfigError("run: give a run id, a unique prefix of one, or 'latest' (see `llmbench runs list`)")
    recent = list_runs(experiments, tracking_uri=tracking_uri, limit=500)
    if ref == "latest":
        if not recent:
            raise ConfigError("no llmbench runs recorded yet in this MLflow store; run `llmbench compare` first")
        return recent[0].run_id
    matches = [r.run_id for r in recent if r.run_id.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ConfigError(f"run {ref!r}: no such llmbench run in this MLflow store (see `llmbench runs list`)")
    raise ConfigError(f"run {ref!r}: {len(matches)} runs start with it; give more characters")


def load_run(run_id: str, *, tracking_uri: str | None = None) -> tuple[RunSummary, ComparisonResult]:
    """The run's summary and its whole result (the ``comparison.json`` artifact)."""
    client, _ = _client(tracking_uri)
    run = client.get_run(run_id)
    experiment = client.get_experiment(run.info.experiment_id).name
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = client.download_artifacts(run_id, "comparison.json", tmp)
        except (MlflowException, OSError) as error:
            raise ConfigError(f"run {run_id}: it has no comparison.json artifact ({type(error).__name__})") from None
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    return _summary(run, experiment), ComparisonResult.model_validate(data)
