"""Flow ``benchmark-models``: a dataset, many models, ranked over per-model aggregates."""

from __future__ import annotations

from prefect import flow

from flows.pipeline import run_pipeline
from llmbench.config import load_config
from llmbench.datasets import load_dataset
from llmbench.runs import BenchmarkRequest, resolve_settings
from llmbench.types import ComparisonResult
from tasks.log import log_to_mlflow, publish_artifacts
from tasks.profiles import update_profiles

__all__ = ["benchmark_models"]


@flow(name="benchmark-models", log_prints=True)
async def benchmark_models(request: BenchmarkRequest) -> ComparisonResult:
    """Run every model on every item, rank them, learn router profiles and record the run."""
    config = load_config()
    settings = resolve_settings(request, config)
    dataset = load_dataset(request.dataset)
    items = dataset.items[: request.limit] if request.limit else dataset.items
    result = await run_pipeline(dataset.name, items, settings)
    await publish_artifacts(result, key_prefix="benchmark")
    learn = (
        request.update_profiles if request.update_profiles is not None else config.orchestration.auto_update_profiles
    )
    if learn:
        update_profiles(result, config.profiles_location(), config.orchestration.profile_update_weight)
    if config.tracking.enabled:
        log_to_mlflow(
            result,
            experiment=config.tracking.benchmark_experiment,
            params={
                "concurrency": settings.concurrency,
                "timeout_seconds": settings.timeout_seconds,
                "n_items": len(items),
            },
            tracking_uri=config.tracking_uri(),
            dataset_name=dataset.name,
            dataset_hash=dataset.sha256,
        )
    return result
