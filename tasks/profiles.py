"""Learn router profiles from a finished benchmark."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from llmbench.router import open_store
from llmbench.router import update_profiles as learn_profiles
from llmbench.types import ComparisonResult

__all__ = ["snapshot_profiles", "update_profiles"]


@task(name="snapshot-profiles", cache_policy=NO_CACHE)
def snapshot_profiles(location: str) -> dict[str, Any]:
    """The learned profiles as JSON-ready data, to record what a refresh changed."""
    return {model: profile.model_dump(mode="json") for model, profile in open_store(location).load().items()}


@task(name="update-profiles", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def update_profiles(result: ComparisonResult, location: str, weight: float) -> list[str]:
    """Returns the models whose profiles were updated; the store serialises concurrent writers."""
    profiles = learn_profiles(open_store(location), result.results, {item.id: item for item in result.items}, weight)
    return sorted(profiles)
