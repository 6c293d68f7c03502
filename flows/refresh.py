"""Flow ``refresh-router-profiles``: a probe benchmark whose only purpose is to keep router profiles current."""

from __future__ import annotations

import asyncio
from typing import Any

from prefect import flow
from prefect.utilities.annotations import quote
from pydantic import BaseModel, ConfigDict, Field, model_validator

from flows.pipeline import recorded_run, run_pipeline
from llmbench.config import PrefectConfig, load_config
from llmbench.datasets import load_dataset
from llmbench.runs import BenchmarkRequest, dataset_label, resolve_settings
from llmbench.store import check_run_targets
from tasks.log import flow_run_label, log_profile_changes, preload_tracking, publish_artifacts
from tasks.profiles import snapshot_profiles, update_profiles

__all__ = ["RefreshRequest", "refresh_router_profiles"]


_PROBE = PrefectConfig()  # the built-in probe, shown in the form


class RefreshRequest(BaseModel):
    """The probe benchmark. A field left out (or null) takes [prefect] refresh_* of llmbench.toml; the form shows
    the built-in defaults, and a value given there wins."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="Profile refresh")

    dataset: str = Field(
        default=_PROBE.refresh_dataset,
        title="Probe dataset",
        description="Dataset the probe runs; left out: [prefect] refresh_dataset",
    )
    models: list[str] = Field(
        default=list(_PROBE.refresh_models),
        title="Probe models",
        description="Models whose router profiles are refreshed; left out: [prefect] refresh_models",
    )
    limit: int | None = Field(
        default=None, ge=1, title="Item limit", description="Use only the first N items; empty uses them all"
    )

    @model_validator(mode="before")
    @classmethod
    def _null_is_left_out(cls, data: Any) -> Any:
        return {k: v for k, v in data.items() if v is not None} if isinstance(data, dict) else data

    def label(self) -> str:
        """A name for the run: "refresh qa_small · 3 models", or "refresh profiles" for llmbench.toml's probe."""
        if not self.model_fields_set:
            return "refresh profiles"
        n = len(self.models)
        return f"refresh {dataset_label(self.dataset)} · {n} model{'s' if n != 1 else ''}"


#: The default request: frozen, so sharing it between calls is safe. Left-out fields take llmbench.toml's values.
DEFAULT_REFRESH = RefreshRequest()


@flow(
    name="refresh-router-profiles",
    log_prints=True,
    flow_run_name=flow_run_label(RefreshRequest, "refresh-profiles"),
)
async def refresh_router_profiles(request: RefreshRequest = DEFAULT_REFRESH) -> list[str]:
    """Benchmark the probe models, fold the results into the profiles, and record before/after in MLflow.

    Args:
        request: The probe dataset and models; left out, [prefect] refresh_* of llmbench.toml.
    """
    config = load_config()
    if config.tracking.enabled:
        preload_tracking()
    given = request.model_fields_set
    probe = BenchmarkRequest(
        dataset=request.dataset if "dataset" in given else config.prefect.refresh_dataset,
        models=request.models if "models" in given else config.prefect.refresh_models,
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
