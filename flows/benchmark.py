"""Flow ``benchmark-models``: a dataset, many models, ranked over per-model aggregates."""

from __future__ import annotations

import asyncio

from prefect import flow, get_run_logger
from prefect.utilities.annotations import quote

from flows.pipeline import recorded_run, run_params, run_pipeline, write_records
from llmbench.config import load_config
from llmbench.datasets import load_dataset
from llmbench.runs import BenchmarkRequest, resolve_settings
from llmbench.stats import disabled_reason
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
from tasks.profiles import update_profiles

__all__ = ["benchmark_models"]


@flow(name="benchmark-models", log_prints=True, flow_run_name=flow_run_label(BenchmarkRequest, "bench"))
async def benchmark_models(request: BenchmarkRequest) -> ComparisonResult:
    """Run every model on every item, rank them, record the run, then learn router profiles from it.

    Args:
        request: The dataset, the models and how to score and rank their answers.
    """
    started = flow_started_at()
    config = load_config()
    learn = request.given("update_profiles")
    if learn is None:
        learn = config.orchestration.auto_update_profiles
    # Everything the records need is checked before the first call: a bad store, profiles_path or tracking URI
    # fails here in one line, not after every call was paid for.
    await asyncio.to_thread(check_run_targets, config, profiles=learn, tracking=config.tracking.enabled)
    settings = resolve_settings(request, config)
    dataset = load_dataset(request.dataset)
    items = dataset.items[: request.limit] if request.limit else dataset.items
    if config.tracking.enabled:
        # scipy (when statistics will run), MLflow and the checked store load beside the calls, not after them
        statistics = disabled_reason(settings.statistics, len(items)) is None
        preload_tracking(config.tracking_uri(), statistics=statistics, open_store=True)
    async with recorded_run(dataset.name, items, settings) as run_id:
        result = await run_pipeline(dataset.name, items, settings, run_id)
        mlflow_run = None
        if config.tracking.enabled:
            mlflow_run = asyncio.to_thread(
                log_to_mlflow,
                quote(result),
                experiment=config.tracking.benchmark_experiment,
                params={**run_params(settings), "n_items": len(items)},
                tracking_uri=config.tracking_uri(),
                dataset_name=dataset.name,
                dataset_hash=dataset.sha256,
                started_at=started,
            )

        async def learn_profiles() -> None:
            # Only from a whole run whose records are written: a run cut short must not move the profiles.
            if not result.complete:
                get_run_logger().warning("router profiles not updated: the run is incomplete")
                return
            weight = config.orchestration.profile_update_weight
            await asyncio.to_thread(update_profiles, quote(result), config.profiles_location(), weight)

        artifacts = publish_artifacts(quote(result), key_prefix="benchmark")
        mlflow_run_id = await write_records(
            artifacts, mlflow_run, config.tracking_uri(), learn_profiles if learn else None
        )
    result.links = run_links(mlflow_run_id, config.tracking_uri())
    return await asyncio.to_thread(log_outcome, result)
