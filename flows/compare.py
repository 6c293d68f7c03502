"""Flow ``compare-models``: one prompt, many models."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from prefect import flow
from prefect.utilities.annotations import quote

from flows.pipeline import run_params, run_pipeline
from llmbench.comparison import single_item
from llmbench.config import load_config
from llmbench.runs import CompareRequest, resolve_settings
from llmbench.types import ComparisonResult
from tasks.log import log_to_mlflow, preload_tracking, publish_artifacts, run_links

__all__ = ["compare_models"]


@flow(name="compare-models", log_prints=True)
async def compare_models(request: CompareRequest) -> ComparisonResult:
    """Send the prompt to every model at once, score the answers, rank the models and record the run."""
    config = load_config()
    if config.tracking.enabled:
        preload_tracking()
    settings = resolve_settings(request, config)
    item = single_item(request.prompt, request.context, request.reference)
    result = await run_pipeline("comparison", [item], settings)

    records: list[Awaitable[object]] = [publish_artifacts(quote(result), key_prefix="compare")]
    if config.tracking.enabled:
        records.append(
            asyncio.to_thread(
                log_to_mlflow,
                quote(result),
                experiment=config.tracking.compare_experiment,
                params=run_params(settings),
                tracking_uri=config.tracking_uri(),
            )
        )
    recorded = await asyncio.gather(*records)
    mlflow_run_id = recorded[-1] if config.tracking.enabled else None  # the MLflow record is appended last
    result.links = run_links(mlflow_run_id, config.tracking_uri())
    return result
