"""Past runs read back from MLflow: what ``llmbench runs list|show|diff`` and ``llmbench report`` start from.

A run is found by its full MLflow id, a unique prefix of it, or ``latest``; only comparisons (parent runs) are
listed, a per-model child run's id resolves to its comparison. The whole result is the run's ``comparison.json``
artifact, so a report rebuilt later says exactly what the run said.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from mlflow import MlflowClient
from mlflow.entities import Run
from mlflow.exceptions import MlflowException
from pydantic import BaseModel, Field, ValidationError

from llmbench.errors import TrackedRunNotFound, TrackingError
from llmbench.tracking.client import tracking_client
from llmbench.tracking.uri import default_tracking_uri
from llmbench.types import ComparisonResult

__all__ = ["RunSummary", "list_runs", "load_run", "resolve_run"]

_PARENT_TAG = "mlflow.parentRunId"
_TOP_LEVEL = f"tags.`{_PARENT_TAG}` IS NULL"
_FULL_ID = re.compile(r"^[0-9a-f]{32}$")
_PAGE = 1000


class RunSummary(BaseModel):
    """One past comparison as ``runs list`` shows it."""

    run_id: str
    name: str
    experiment: str
    status: str
    started_at: datetime | None = None
    duration_s: float | None = Field(default=None, description="From the flow's start to the end of recording")
    winner: str | None = None
    n_models: int | None = None
    n_items: int | None = None
    simulated: bool = False
    complete: bool = True
    prefect_url: str | None = None
    prefect_flow_run_id: str | None = None


def _summary(run: Run, experiment: str) -> RunSummary:
    info, tags, metrics = run.info, run.data.tags, run.data.metrics
    started = datetime.fromtimestamp(info.start_time / 1000, UTC) if info.start_time else None
    duration = (info.end_time - info.start_time) / 1000 if info.end_time and info.start_time else None
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
        prefect_flow_run_id=tags.get("prefect.flow_run_id"),
    )


def _no_store(uri: str) -> bool:
    """A local SQLite store that was never written: nothing recorded (and opening it would create it)."""
    if not uri.startswith("sqlite:///"):
        return False
    raw = uri[len("sqlite:///") :].split("?", 1)[0]
    return bool(raw) and raw != ":memory:" and not (Path.cwd() / raw).is_file()


def _client(tracking_uri: str | None) -> tuple[MlflowClient, str] | None:
    uri = tracking_uri or default_tracking_uri()
    return None if _no_store(uri) else tracking_client(uri)


def _experiments(client: MlflowClient, names: Sequence[str]) -> dict[str, str]:
    """Experiment id → name, for the names that exist."""
    found = {}
    for name in dict.fromkeys(names):
        experiment = client.get_experiment_by_name(name)
        if experiment is not None:
            found[str(experiment.experiment_id)] = name
    return found


def _parents(client: MlflowClient, experiment_ids: list[str], limit: int | None) -> Iterator[Run]:
    """Top-level runs, newest first, page by page (a store may hold thousands)."""
    token: str | None = None
    seen = 0
    while True:
        page = client.search_runs(
            experiment_ids,
            filter_string=_TOP_LEVEL,
            order_by=["attributes.start_time DESC"],
            max_results=min(_PAGE, limit - seen) if limit else _PAGE,
            page_token=token,
        )
        for run in page:
            if _PARENT_TAG not in run.data.tags:  # the filter already says so; a store that ignores it does not
                seen += 1
                yield run
        token = page.token
        if not token or (limit is not None and seen >= limit):
            return


def _read(what: str, uri: str) -> TrackingError:
    return TrackingError(f"MLflow store {uri}: cannot read {what}")


def list_runs(experiments: Sequence[str], *, tracking_uri: str | None = None, limit: int = 20) -> list[RunSummary]:
    """The newest comparisons of ``experiments`` (per-model child runs left out), newest first."""
    opened = _client(tracking_uri)
    if opened is None:
        return []
    client, uri = opened
    try:
        ids = _experiments(client, experiments)
        if not ids:
            return []
        runs = list(_parents(client, list(ids), limit))
    except MlflowException as error:
        raise _read(f"its runs ({error.error_code})", uri) from None
    runs.sort(key=lambda run: run.info.start_time or 0, reverse=True)
    return [_summary(run, ids[run.info.experiment_id]) for run in runs[:limit]]


def _by_id(client: MlflowClient, run_id: str, ids: dict[str, str]) -> str | None:
    """The comparison a full id names: itself, or the parent of a per-model run; None when not one of ours."""
    try:
        run = client.get_run(run_id)
    except MlflowException:
        return None
    if run.info.experiment_id not in ids:
        return None
    return run.data.tags.get(_PARENT_TAG, run.info.run_id)


def resolve_run(ref: str, experiments: Sequence[str], *, tracking_uri: str | None = None) -> str:
    """The full id of the comparison ``ref`` names: a full id, a unique prefix, or ``latest``.

    :class:`TrackedRunNotFound` (one line, naming the store) when nothing or more than one run matches.
    """
    ref = ref.strip().lower()
    uri = tracking_uri or default_tracking_uri()
    hint = "see `llmbench runs list`"
    if not ref:
        raise TrackedRunNotFound(f"RUN: give a run id, a unique prefix of one, or 'latest' ({hint})")
    opened = _client(uri)
    ids = _experiments(opened[0], experiments) if opened else {}
    if opened is None or not ids:
        raise TrackedRunNotFound(f"run {ref!r}: no llmbench run recorded yet in the MLflow store {uri}")
    client = opened[0]
    if ref == "latest":
        newest = next(_parents(client, list(ids), 1), None)
        if newest is None:
            raise TrackedRunNotFound(f"run 'latest': no llmbench run recorded yet in the MLflow store {uri}")
        return newest.info.run_id
    if _FULL_ID.match(ref):
        found = _by_id(client, ref, ids)
        if found is not None:
            return found
    matches = [run.info.run_id for run in _parents(client, list(ids), None) if run.info.run_id.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise TrackedRunNotFound(f"run {ref!r}: no llmbench run in the MLflow store {uri} has this id ({hint})")
    raise TrackedRunNotFound(f"run {ref!r}: {len(matches)} runs start with it; give more characters ({hint})")


def load_run(run_id: str, *, tracking_uri: str | None = None) -> tuple[RunSummary, ComparisonResult]:
    """The run's summary and its whole result (the ``comparison.json`` artifact)."""
    client, uri = tracking_client(tracking_uri)
    try:
        run = client.get_run(run_id)
        experiment = client.get_experiment(run.info.experiment_id).name
    except MlflowException:
        raise TrackedRunNotFound(f"run {run_id!r}: not in the MLflow store {uri}") from None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = client.download_artifacts(run_id, "comparison.json", tmp)
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            result = ComparisonResult.model_validate(data)
        except (MlflowException, OSError) as error:
            raise TrackingError(f"run {run_id}: its comparison.json cannot be read ({type(error).__name__})") from None
        except (ValueError, ValidationError):
            raise TrackingError(f"run {run_id}: its comparison.json is not an llmbench result") from None
    return _summary(run, experiment), result
