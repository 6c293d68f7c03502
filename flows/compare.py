"""Flow ``compare-models``: one prompt, many models."""

from __future__ import annotations

import asyncio

from prefect import flow
from prefect.utilities.annotations import quote

from flows.pipeline import recorded_run, run_params, run_pipeline, write_records
from llmbench.comparison import single_item
from llmbench.config import load_config
from llmbench.runs import CompareRequest, resolve_settings
from llmbench.store import check_run_targets
from llmbench.types import ComparisonResult
from tasks.log import (
    flow_run_label,
    flow_started_at,
    log_outcome,
    log_to_mlflow,
    preload_tracking,
    publish_artifacts,
    run_links,
)

__all__ = ["compare_models"]


@flow(name="compare-models", log_prints=True, flow_run_name=flow_run_label(CompareRequest, "compare"))
async def compare_models(request: CompareRequest) -> ComparisonResult:
    """Send the prompt to every model at once, score the answers, rank the models and record the run.

    Args:
        request: The prompt (required), the models and how to score and rank their answers.
    """
    started = flow_started_at()
    config = load_config()
    await asyncio.to_thread(check_run_targets, config, tracking=config.tracking.enabled)
    settings = resolve_settings(request, config)
    if config.tracking.enabled:
        # MLflow and the checked store load beside the calls, not after them (llmbench/preload.py); one item is
        # below any [statistics] min_items (≥ 2), so scipy is never needed here
        preload_tracking(config.tracking_uri(), open_store=True)
    item = single_item(request.prompt, request.context or None, request.reference or None)
    async with recorded_run("comparison", [item], settings) as run_id:
        result = await run_pipeline("comparison", [item], settings, run_id)
        mlflow_run = None
        if config.tracking.enabled:
            mlflow_run = asyncio.to_thread(
                log_to_mlflow,
                quote(result),
                experiment=config.tracking.compare_experiment,
                params=run_params(settings),
                tracking_uri=config.tracking_uri(),
                started_at=started,
            )
        artifacts = publish_artifacts(quote(result), key_prefix="compare")
        mlflow_run_id = await write_records(artifacts, mlflow_run, config.tracking_uri())
    result.links = run_links(mlflow_run_id, config.tracking_uri())
    return await asyncio.to_thread(log_outcome, result)
