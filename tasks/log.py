"""Record a run: the MLflow run, the Prefect artifacts shown on the flow run page, and the flow run's own record
(its name, and log lines that hold the result and where to find it)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from prefect import get_run_logger, task
from prefect.artifacts import acreate_markdown_artifact, acreate_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.runtime import flow_run
from pydantic import BaseModel

from llmbench.links import complete_links
from llmbench.preload import preload
from llmbench.report import outcome_lines, ranking_rows, render_markdown
from llmbench.types import ComparisonResult, RunLinks

__all__ = [
    "flow_run_label",
    "flow_started_at",
    "log_outcome",
    "log_profile_changes",
    "log_to_mlflow",
    "mark_mlflow_failed",
    "preload_tracking",
    "publish_artifacts",
    "run_links",
]


class _Labelled(Protocol):
    def label(self) -> str: ...


def flow_run_label(request_type: type[BaseModel], fallback: str) -> Callable[[], str]:
    """A ``flow_run_name`` callable: the run named after its request ("bench qa_small · 5 models") instead of
    Prefect's random words; ``fallback`` when the parameters cannot be read."""

    def name() -> str:
        request: Any = flow_run.parameters.get("request")
        try:
            if request is None or isinstance(request, dict):
                request = request_type.model_validate(request or {})
            labelled: _Labelled = request
            return labelled.label()
        except (ValueError, TypeError, AttributeError):
            return fallback

    return name


def flow_started_at() -> float:
    """When this flow run started (epoch seconds): the start of its MLflow run, so that shows the real duration."""
    context = FlowRunContext.get()
    started = context.flow_run.start_time if context is not None and context.flow_run is not None else None
    return started.timestamp() if started is not None else time.time()


def log_outcome(result: ComparisonResult) -> ComparisonResult:
    """Write the result into the flow run's logs: the winner or the tie, one line per model, the MLflow run and
    how to get the HTML report. Returns ``result`` with its MLflow link completed (UI page or open command)."""
    logger = get_run_logger()
    for line in outcome_lines(result):
        logger.info(line)
    if result.links is not None:
        result.links = complete_links(result.links)
        links = result.links
        if links.mlflow_run_id:
            where = links.mlflow_run_url or f"open the store with: {links.mlflow_ui_command}"
            logger.info("MLflow run %s: %s", links.mlflow_run_id, where)
            logger.info("HTML report: llmbench report %s --html report.html", links.mlflow_run_id)
    return result


def preload_tracking(tracking_uri: str | None = None, *, statistics: bool = False, open_store: bool = False) -> None:
    """Import MLflow (~1 s) in the background while the model calls run, instead of before or after them; with
    ``open_store`` open the (checked) tracking store too, with ``statistics`` import scipy first
    (:mod:`llmbench.preload`)."""
    preload(statistics=statistics, tracking=True, open_store=open_store, tracking_uri=tracking_uri)


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
    started_at: float | None = None,
) -> str:
    """Returns the MLflow run id; retried because a shared tracking server may be briefly unavailable.
    ``started_at`` is when the flow started (:func:`flow_started_at`), the start of the MLflow run."""
    from llmbench.tracking import log_comparison

    return log_comparison(
        result,
        experiment=experiment,
        params=dict(params),
        tags=_flow_run_tags(),
        tracking_uri=tracking_uri,
        dataset_name=dataset_name,
        dataset_hash=dataset_hash,
        started_at=started_at,
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
