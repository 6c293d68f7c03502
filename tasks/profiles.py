"""Learn router profiles from a finished benchmark."""

from __future__ import annotations

from prefect import task

from llmbench.types import ComparisonResult

__all__ = ["update_profiles"]


@task(name="update-profiles", retries=2, retry_delay_seconds=[1, 5], cache_policy=None)
def update_profiles(result: ComparisonResult, location: str, weight: float) -> list[str]:
    """Returns the models whose profiles changed; the store serialises concurrent writers."""
    from llmbench.router import open_store, update_profiles as learn

    store = open_store(location)
    profiles = learn(store, result.results, {item.id: item for item in result.items}, weight)
    return sorted(profiles)
