"""Flow ``refresh-router-profiles``: a probe benchmark whose only purpose is to keep router profiles current."""

from __future__ import annotations

import asyncio

from prefect import flow
from prefect.utilities.annotations import quote
from pydantic import BaseModel, Field

from flows.pipeline import recorded_run, run_pipeline
from llmbench.config import load_config
from llmbench.datasets import load_dataset
from llmbench.runs import BenchmarkRequest, resolve_settings
from llmbench.store import check_run_targets
from tasks.log import log_profile_changes, preload_tracking, publish_artifacts
from tasks.profiles import snapshot_profiles, update_profiles

__all__ = ["RefreshRequest", "refresh_router_profiles"]


class RefreshRequest(BaseModel):
    """Empty fields take the probe dataset and models from [prefect] in llmbench.toml."""

    dataset: str | None = Field(default=None, description="Probe dataset; empty uses [prefect] refresh_dataset")
    models: list[str] | None = Field(default=None, description="Empty uses [prefect] refresh_models")
    limit: int | None = Field(default=None, ge=1, description="Use only the first N items")


@flow(name="refresh-router-profiles", log_prints=True)
async def refresh_router_profiles(request: RefreshRequest | None = None) -> list[str]:
    """Benchmark the probe models, fold the results into the profiles, and record before/after in MLflow."""
    request = request or RefreshRequest()
    config = load_config()
    if config.tracking.enabled:
        preload_tracking()
    probe = BenchmarkRequest(
        dataset=request.dataset or config.prefect.refresh_dataset,
        models=request.models or config.prefect.refresh_models,
        limit=request.limit,
    )
    await asyncio.to_thread(check_run_targets, config, profiles=True, tracking=config.tracking.enabled)
    settings = resolve_settings(probe, config)
    dataset = load_dataset(probe.dataset)
    items = dataset.items[: probe.limit] if probe.limit else dataset.items
    name = f"refresh:{dataset.name}"
    async with recorded_run(name, items, settings) as run_id:
        result = await run_pipeline(name, items, settings, run_id)
        await publish_artifacts(quote(result), key_prefix="refresh")
        if not result.complete:  # profiles learn only from a whole run
            print(f"profiles not updated: the probe run is incomplete ({', '.join(result.incomplete_models)})")
            return []
        location = config.profiles_location()
        before = snapshot_profiles(location)
        changed = update_profiles(quote(result), location, config.orchestration.profile_update_weight)
        after = snapshot_profiles(location)
        if config.tracking.enabled:
            log_profile_changes(
                before, after, experiment=config.tracking.profiles_experiment, tracking_uri=config.tracking_uri()
            )
    print(f"updated {len(changed)} profiles in {location}: {', '.join(changed)}")
    return changed
