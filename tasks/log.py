"""Record a run: the MLflow run, and the Prefect artifacts shown on the flow run page."""

from __future__ import annotations

import importlib
import threading
from typing import Any

from prefect import task
from prefect.artifacts import acreate_markdown_artifact, acreate_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from llmbench.report import ranking_rows, render_markdown
from llmbench.types import ComparisonResult, RunLinks

__all__ = [
    "log_profile_changes",
    "log_to_mlflow",
    "mark_mlflow_failed",
    "preload_tracking",
    "publish_artifacts",
    "run_links",
]


def preload_tracking() -> None:
    """Import MLflow (~1 s) in the background while the model calls run, instead of before or after them."""
    threading.Thread(target=importlib.import_module, args=("llmbench.tracking.mlflow_store",), daemon=True).start()


def _flow_run_tags() -> dict[str, str]:
    tags = {}
    if flow_run.id:
        tags["prefect.flow_run_id"] = str(flow_run.id)
        tags["prefect.flow_run_name"] = str(flow_run.name)
    url = str(flow_run.ui_url or "")
    if url.startswith("http"):  # a temporary server has no UI address: Prefect then builds "None/flow-runs/..."
        tags["prefect.flow_run_url"] = url
    return tags


def run_links(mlflow_run_id: str | None, tracking_uri: str | None) -> RunLinks:
    """The MLflow run and this flow run, for the result the flow returns (the CLI prints them)."""
    tags = _flow_run_tags()
    uri = None
    if mlflow_run_id is not None:
        from llmbench.tracking import default_tracking_uri  # already imported by log_to_mlflow

        uri = tracking_uri or default_tracking_uri()
    return RunLinks(
        mlflow_run_id=mlflow_run_id,
        mlflow_tracking_uri=uri,
        prefect_flow_run_id=tags.get("prefect.flow_run_id"),
        prefect_flow_run_url=tags.get("prefect.flow_run_url"),
    )


@task(name="log-to-mlflow", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def log_to_mlflow(
    result: ComparisonResult,
    experiment: str,
    params: dict[str, str | int | float],
    tracking_uri: str | None = None,
    dataset_name: str | None = None,
    dataset_hash: str | None = None,
) -> str:
    """Returns the MLflow run id; retried because a shared tracking server may be briefly unavailable."""
    from llmbench.tracking import log_comparison

    return log_comparison(
        result,
        experiment=experiment,
        params=dict(params),
        tags=_flow_run_tags(),
        tracking_uri=tracking_uri,
        dataset_name=dataset_name,
        dataset_hash=dataset_hash,
    )


@task(name="mark-mlflow-failed", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def mark_mlflow_failed(run_id: str, tracking_uri: str | None = None) -> None:
    """The command failed after its MLflow run was logged: that run must not read FINISHED."""
    from llmbench.tracking import mark_run_failed

    mark_run_failed(run_id, tracking_uri)


@task(name="publish-artifacts", cache_policy=NO_CACHE)
async def publish_artifacts(result: ComparisonResult, key_prefix: str) -> None:
    """A markdown report and a ranking table on the flow run page."""
    await acreate_markdown_artifact(
        markdown=render_markdown(result), key=f"{key_prefix}-report", description="llmbench report"
    )
    await acreate_table_artifact(
        table=ranking_rows(result), key=f"{key_prefix}-ranking", description="llmbench ranking"
    )


def _profile_changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per model whose headline figures moved."""
    rows = []
    for model in sorted(after):
        old, new = before.get(model, {}), after[model]
        row: dict[str, Any] = {"model": model, "new": model not in before}
        for field in ("quality_score", "avg_latency_ms", "cost_per_1k_tokens", "sample_count"):
            row[f"{field}_before"] = old.get(field)
            row[f"{field}_after"] = new.get(field)
        rows.append(row)
    return rows


@task(name="log-profile-changes", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def log_profile_changes(
    before: dict[str, Any], after: dict[str, Any], experiment: str, tracking_uri: str | None = None
) -> str:
    from llmbench.tracking import log_profiles

    return log_profiles(
        before,
        after,
        _profile_changes(before, after),
        experiment=experiment,
        tags=_flow_run_tags(),
        tracking_uri=tracking_uri,
    )
