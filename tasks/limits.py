"""Per-provider Prefect global concurrency limits: created from the config, never silently missing."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

from llmbench.errors import ConfigError
from tasks.execute import provider_limit_name

__all__ = ["ensure_provider_limits", "upsert_provider_limits"]


async def upsert_provider_limits(limits: dict[str, int]) -> dict[str, int]:
    """Create or update one limit per provider to the configured value (``llmbench setup``)."""
    async with get_client() as client:
        for provider, limit in limits.items():
            await client.upsert_global_concurrency_limit_by_name(provider_limit_name(provider), limit)
    return dict(limits)


@task(name="ensure-provider-limits", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
async def ensure_provider_limits(providers: list[str], configured: dict[str, int]) -> dict[str, int]:
    """The limit in force per provider: an existing one is kept (an operator may have tuned it), a missing one
    is created from the config, and a provider with no configured limit fails the run rather than run unlimited.
    """
    logger = get_run_logger()
    in_force: dict[str, int] = {}
    async with get_client() as client:
        for provider in sorted(set(providers)):
            name = provider_limit_name(provider)
            try:
                existing = await client.read_global_concurrency_limit_by_name(name)
                in_force[provider] = existing.limit
                continue
            except ObjectNotFound:
                pass
            if provider not in configured:
                raise ConfigError(
                    f"no concurrency limit for provider {provider!r}: add it to [prefect] provider_concurrency "
                    "in llmbench.toml and run `llmbench setup`"
                )
            try:
                await client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=name, limit=configured[provider])
                )
            except ObjectAlreadyExists:  # another run created it meanwhile: use theirs
                in_force[provider] = (await client.read_global_concurrency_limit_by_name(name)).limit
                continue
            logger.info("created concurrency limit %s = %d", name, configured[provider])
            in_force[provider] = configured[provider]
    return in_force
