"""Flow ``benchmark-models``: a dataset, many models, ranked over per-model aggregates."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from prefect import flow
from prefect.utilities.annotations import quote

from flows.pipeline import run_params, run_pipeline
from llmbench.config import load_config
from llmbench.datasets import load_dataset
from llmbench.runs import BenchmarkRequest, resolve_settings
from llmbench.types import ComparisonResult
from tasks.log import log_to_mlflow, preload_tracking, publish_artifacts, run_links
from tasks.profiles import update_profiles

__all__ = ["benchmark_models"]


@flow(name="benchmark-models", log_prints=True)
async def benchmark_models(request: BenchmarkRequest) -> ComparisonResult:
    """Run every model on every item, rank them, then learn router profiles and record the run."""
    config = load_config()
    if config.tracking.enabled:
        preload_tracking()
    settings = resolve_settings(request, config)
    dataset = load_dataset(request.dataset)
    items = dataset.items[: request.limit] if request.limit else dataset.items
    result = await run_pipeline(dataset.name, items, settings)

    # The three records are independent: write them at the same time.
    records: list[Awaitable[object]] = [publish_artifacts(quote(result), key_prefix="benchmark")]
    learn = request.update_profiles
    if learn is None:
        learn = config.orchestration.auto_update_profiles
    if learn:
        weight = config.orchestration.profile_update_weight
        records.append(asyncio.to_thread(update_profiles, quote(result), config.profiles_location(), weight))
    if config.tracking.enabled:
        records.append(
            asyncio.to_thread(
                log_to_mlflow,
                quote(result),
                experiment=config.tracking.benchmark_experiment,
                params={**run_params(settings), "n_items": len(items)},
                tracking_uri=config.tracking_uri(),
                dataset_name=dataset.name,
                dataset_hash=dataset.sha256,
            )
        )
    recorded = await asyncio.gather(*records)
    mlflow_run_id = recorded[-1] if config.tracking.enabled else None  # the MLflow record is appended last
    result.links = run_links(mlflow_run_id, config.tracking_uri())
    return result
