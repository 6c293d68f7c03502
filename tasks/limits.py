"""Per-provider Prefect global concurrency limits: created from the config, held by leases that never leak.

How slots are held (measured in ``benchmarks/slot_leases.py``): a run takes each provider's slots once, as one
lease, and renews it every quarter of ``[prefect] slot_lease_seconds`` (60 s, the server's minimum). Taking slots
per call instead costs an acquisition, a release and a renewal thread per call. A lease alone does not free the
slots of a killed run on every server: a temporary (ephemeral) server runs no lease expiry at all, and keeps its
leases in its own memory. So each holder also records its lease in the store's slot registry
(:mod:`llmbench.store.holders`), and before waiting, a run frees every *stale* holder of the limits it needs
(expired, or its process gone from this host): through its lease when the server still knows it, else (on a
temporary server, where nothing else ever would) by giving the slots back directly. A waiting run logs what it
waits for and gives up after ``[prefect] slot_wait_seconds`` with :class:`~llmbench.errors.SlotWaitTimeout`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import socket
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from uuid import UUID

import httpx
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.base import ServerType
from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.settings import get_current_settings

from llmbench.errors import ConfigError, SlotWaitTimeout
from llmbench.store.holders import LimitStatus, SlotHolder, SlotRegistry
from tasks.execute import provider_limit_name

__all__ = [
    "LIMIT_PREFIX",
    "ResetOutcome",
    "ensure_provider_limits",
    "hold_provider_slots",
    "limits_status",
    "reap_stale_holders",
    "reset_limits",
    "server_identity",
    "upsert_provider_limits",
]

LIMIT_PREFIX = provider_limit_name("")
#: How often a waiting run says what it waits for, and polls (Prefect's own Retry-After can reach 30 s).
_LOG_EVERY_S = 10.0
_POLL_MIN_S, _POLL_MAX_S = 0.2, 2.0
_RENEWALS_PER_LEASE = 4


def _logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    try:
        return get_run_logger()
    except Exception:  # outside a flow or task run (CLI commands): the module logger
        return logging.getLogger(__name__)


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


# ---------------------------------------------------------------------------------------------------- holding


def server_identity(client: PrefectClient) -> str:
    """Which server's counters a lease lives in: its API URL, or for a temporary server the database it serves
    (each process starts its own temporary server, on a random port, over the same database)."""
    if client.server_type is ServerType.EPHEMERAL:
        settings = get_current_settings()
        url = settings.server.database.connection_url
        source = url.get_secret_value() if url is not None else str(settings.home)
        return f"temporary:{hashlib.sha256(source.encode()).hexdigest()[:16]}"
    return f"api:{httpx.URL(str(client.api_url)).copy_with(username=None, password=None)}"


@dataclass
class _Lease:
    lease_id: UUID
    name: str
    slots: int


async def reap_stale_holders(
    client: PrefectClient, registry: SlotRegistry, names: Sequence[str] | None = None
) -> list[SlotHolder]:
    """Free the slots of every stale holder (of ``names``, or all) granted by this client's server."""
    server = server_identity(client)
    freed: list[SlotHolder] = []
    for holder in await asyncio.to_thread(registry.holders):
        if (names is not None and holder.limit_name not in names) or holder.server != server or not holder.stale():
            continue
        if await asyncio.to_thread(registry.claim, holder.lease_id):  # exactly one reaper frees a holder
            await _free(client, holder, temporary=server.startswith("temporary:"))
            freed.append(holder)
            _logger().warning(
                "freed %d slot(s) of %s held by pid %d on %s (run %s): the holder %s",
                holder.slots,
                holder.limit_name,
                holder.pid,
                holder.host,
                holder.run_id or "-",
                "is gone" if holder.expires_at >= time.time() else "stopped renewing its lease",
            )
    return freed


async def _free(client: PrefectClient, holder: SlotHolder, *, temporary: bool) -> None:
    """Release through the lease when the server still has it. A lease the server does not know was already
    released (lease expiry on a real server) unless the server is temporary: then it was lost with the memory
    of the temporary server that granted it, nothing else will ever give those slots back, so we do."""
    lease_id = UUID(holder.lease_id)
    try:
        await client.renew_concurrency_lease(lease_id, lease_duration=60)
    except httpx.HTTPStatusError as error:
        if error.response.status_code != 410:
            raise
        if temporary:
            occupied = max(time.time() - holder.acquired_at, 1.0)
            await client.release_concurrency_slots([holder.limit_name], holder.slots, occupied)
        return
    await client.release_concurrency_slots_with_lease(lease_id)


async def _limit_status(client: PrefectClient, name: str, registry: SlotRegistry) -> LimitStatus:
    limit = await client.read_global_concurrency_limit_by_name(name)
    holders = await asyncio.to_thread(registry.holders, name)
    return LimitStatus(name=name, limit=limit.limit, active_slots=limit.active_slots, holders=holders)


def _waiting_line(status: LimitStatus, wanted: int, waited: float) -> str:
    live = [h for h in status.holders if not h.stale()]
    held = ", ".join(f"pid {h.pid}@{h.host} run {h.run_id or '-'} ({h.slots})" for h in live) or "no llmbench run"
    return (
        f"waited {waited:.0f} s for {wanted} slot(s) of {status.name}: {status.active_slots}/{status.limit} in use, "
        f"held by {held}"
        + (f"; {status.unaccounted} unaccounted (see `llmbench limits show`)" if status.unaccounted else "")
    )


async def _acquire(
    client: PrefectClient,
    registry: SlotRegistry,
    name: str,
    slots: int,
    *,
    lease_seconds: float,
    wait_seconds: float,
    run_id: str | None,
) -> _Lease:
    started = time.monotonic()
    next_log = started + _LOG_EVERY_S
    next_reap = started
    while True:
        now = time.monotonic()
        if now >= next_reap:
            await reap_stale_holders(client, registry, [name])
            next_reap = now + _POLL_MAX_S * 2
        try:
            response = await client.increment_concurrency_slots_with_lease(
                names=[name], slots=slots, mode="concurrency", lease_duration=lease_seconds
            )
        except httpx.HTTPStatusError as error:
            if error.response.status_code != 423:
                raise
            retry_after = float(error.response.headers.get("Retry-After") or _POLL_MAX_S)
        else:
            lease = _Lease(UUID(response.json()["lease_id"]), name, slots)
            await asyncio.to_thread(registry.add, _holder(lease, client, run_id, lease_seconds))
            if now - started >= 1.0:
                _logger().info("got %d slot(s) of %s after %.0f s", slots, name, now - started)
            return lease
        waited = time.monotonic() - started
        if waited >= wait_seconds or now >= next_log:
            line = _waiting_line(await _limit_status(client, name, registry), slots, waited)
            if waited >= wait_seconds:
                raise SlotWaitTimeout(
                    f"gave up after {line}; free stale holders with `llmbench limits reset {name}` "
                    "or raise [prefect] slot_wait_seconds"
                )
            _logger().warning("%s", line)
            next_log = now + _LOG_EVERY_S
        remaining = wait_seconds - waited
        await asyncio.sleep(max(_POLL_MIN_S, min(retry_after, _POLL_MAX_S, remaining)))


def _holder(lease: _Lease, client: PrefectClient, run_id: str | None, lease_seconds: float) -> SlotHolder:
    now = time.time()
    return SlotHolder(
        lease_id=str(lease.lease_id),
        limit_name=lease.name,
        slots=lease.slots,
        server=server_identity(client),
        run_id=run_id,
        pid=os.getpid(),
        host=socket.gethostname(),
        acquired_at=now,
        expires_at=now + lease_seconds,
    )


async def _renew_forever(client: PrefectClient, registry: SlotRegistry, leases: list[_Lease], seconds: float) -> None:
    """Push every lease forward, on the server and in the registry, every quarter of its duration."""
    lost: set[UUID] = set()
    while True:
        await asyncio.sleep(seconds / _RENEWALS_PER_LEASE)
        for lease in leases:
            if lease.lease_id in lost:
                continue
            try:
                await client.renew_concurrency_lease(lease.lease_id, lease_duration=seconds)
                kept = await asyncio.to_thread(registry.renew, str(lease.lease_id), time.time() + seconds)
            except Exception as error:  # a blip of the API or the store: try again at the next renewal
                _logger().warning("could not renew the lease on %s: %s", lease.name, error)
                continue
            if not kept:
                lost.add(lease.lease_id)
                _logger().warning(
                    "the slots of %s held by this run were freed by another process (this one looked stale): "
                    "the limit may be exceeded until the run ends",
                    lease.name,
                )


@asynccontextmanager
async def hold_provider_slots(
    slots: dict[str, int],
    registry: SlotRegistry,
    *,
    lease_seconds: float = 60,
    wait_seconds: float = 300,
    run_id: str | None = None,
) -> AsyncIterator[None]:
    """Hold ``slots[provider]`` slots of each provider's limit for the block (see the module docstring).

    Limits are taken in name order, so two runs needing the same limits never wait on each other in a circle.
    The slots are given back when the block ends, is cancelled or fails; a process killed meanwhile leaves a
    stale holder the next run frees.
    """
    leases: list[_Lease] = []
    async with get_client() as client:
        renewal: asyncio.Task[None] | None = None
        try:
            for provider in sorted(slots):
                leases.append(
                    await _acquire(
                        client,
                        registry,
                        provider_limit_name(provider),
                        slots[provider],
                        lease_seconds=lease_seconds,
                        wait_seconds=wait_seconds,
                        run_id=run_id,
                    )
                )
            renewal = asyncio.create_task(_renew_forever(client, registry, leases, lease_seconds))
            yield
        finally:
            if renewal is not None:
                renewal.cancel()
            await asyncio.shield(_release_all(client, registry, leases))


async def _release_all(client: PrefectClient, registry: SlotRegistry, leases: list[_Lease]) -> None:
    for lease in leases:
        # The row goes first: a crash between the two leaves a lease without a row (freed by lease expiry on a
        # real server, or by `limits reset`), never a row whose slots would be given back twice.
        if await asyncio.to_thread(registry.claim, str(lease.lease_id)):
            try:
                await client.release_concurrency_slots_with_lease(lease.lease_id)
            except httpx.HTTPError as error:
                _logger().warning("could not release the slots of %s: %s (the lease will expire)", lease.name, error)


# ---------------------------------------------------------------------------------------------------- show/reset


async def limits_status(registry: SlotRegistry, names: Sequence[str] | None = None) -> list[LimitStatus]:
    """``llmbench limits show``: every llmbench limit (or ``names``), its use and its holders."""
    async with get_client() as client:
        if names is None:
            found = await client.read_global_concurrency_limits(limit=200)
            names = sorted(limit.name for limit in found if limit.name.startswith(LIMIT_PREFIX))
        return [await _limit_status(client, name, registry) for name in names]


@dataclass(frozen=True)
class ResetOutcome:
    name: str
    freed_holders: int
    slots_before: int
    slots_after: int


async def reset_limits(
    registry: SlotRegistry, names: Sequence[str] | None = None, *, all_slots: bool = False
) -> list[ResetOutcome]:
    """``llmbench limits reset``: free the stale holders of the limits (all llmbench limits when None); with
    ``all_slots``, also set their slots in use to 0 and forget every holder (for slots no holder accounts for,
    e.g. after a server lost its leases; live runs then exceed the limit until they end)."""
    outcomes: list[ResetOutcome] = []
    async with get_client() as client:
        if names is None:
            found = await client.read_global_concurrency_limits(limit=200)
            names = sorted(limit.name for limit in found if limit.name.startswith(LIMIT_PREFIX))
        for name in names:
            before = (await client.read_global_concurrency_limit_by_name(name)).active_slots
            freed = await reap_stale_holders(client, registry, [name])
            count = len(freed)
            if all_slots:
                for holder in await asyncio.to_thread(registry.holders, name):
                    count += int(await asyncio.to_thread(registry.claim, holder.lease_id))
                await client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(active_slots=0))
            after = (await client.read_global_concurrency_limit_by_name(name)).active_slots
            outcomes.append(ResetOutcome(name, count, before, after))
    return outcomes
