"""Fair measurement: the calls of a run take their slots in one seeded, item-major order across its models.

With a plain semaphore, waiting calls get slots in the order they were queued: model after model, because each
model's coroutines are created together. The first model then meets cold connections and the others a warm
server, and anything that drifts during a run (server load, a rate limit, the network) hits the models unequally;
the issue measured latency differences that came from that order, not from the models. A :class:`CallGate`
grants slots by (item position, a seeded per-item draw among the models): item 0 of every model in a shuffled
order, then item 1, and so on, whatever order the calls were queued in.

The gate opens once every model of the run has registered (each :class:`~llmbench.execution.ModelRunner` does
when it starts) or after a short grace, so models whose Prefect tasks start a few milliseconds apart still
interleave from the first call, and a model that never starts delays the others by the grace only.

Latency is timed from the moment a request is sent: providers start their clock inside ``generate``, which runs
after the slot is granted, and the HTTP pool is larger than any concurrency limit, so no call waits there.
Connection warm-up is paid alike: each model's provider owns its connection pool, and interleaving puts every
model's first calls (the ones that open connections) at the same moment of the run.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

__all__ = ["DEFAULT_GRACE_SECONDS", "CallGate", "hold"]

#: Longest wait for the models of a run to register before the gate opens anyway.
DEFAULT_GRACE_SECONDS = 5.0


def _draw(seed: int, index: int, model: str) -> int:
    digest = hashlib.sha256(f"{seed}\x1f{index}\x1f{model}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class CallGate:
    """A semaphore of ``capacity`` slots that grants waiting calls in item-major order (see the module docstring).

    Bound to the event loop it is first used in, like ``asyncio.Semaphore``.
    """

    def __init__(
        self,
        capacity: int,
        *,
        expected_models: int = 0,
        grace_seconds: float = DEFAULT_GRACE_SECONDS,
        seed: int = 0,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"a gate needs at least one slot, got {capacity}")
        self.capacity = capacity
        self.seed = seed
        self._free = capacity
        self._expected = expected_models
        self._grace = grace_seconds
        self._registered: set[str] = set()
        self._open = expected_models <= 0
        self._timer: asyncio.TimerHandle | None = None
        self._waiting: list[tuple[tuple[int, int], int, asyncio.Future[None]]] = []
        self._sequence = itertools.count()

    @property
    def is_open(self) -> bool:
        return self._open

    def register(self, model: str) -> None:
        """Say ``model`` is about to queue its calls; the gate opens when all expected models have."""
        self._registered.add(model)
        if len(self._registered) >= self._expected:
            self._open_now()
        else:
            self._arm()

    def slot(self, model: str, index: int) -> AbstractAsyncContextManager[None]:
        """Hold one slot for ``model``'s call on the item at position ``index``."""
        return self._slot((index, _draw(self.seed, index, model)))

    @asynccontextmanager
    async def _slot(self, key: tuple[int, int]) -> AsyncIterator[None]:
        await self._acquire(key)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, key: tuple[int, int]) -> None:
        if self._open and self._free > 0 and not self._waiting:
            self._free -= 1
            return
        self._arm()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (key, next(self._sequence), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():  # granted as it was cancelled: hand the slot on
                self._release()
            raise

    def _release(self) -> None:
        self._free += 1
        self._grant()

    def _grant(self) -> None:
        while self._open and self._free > 0 and self._waiting:
            _, _, future = heapq.heappop(self._waiting)
            if future.done():  # its caller was cancelled while waiting
                continue
            self._free -= 1
            future.set_result(None)

    def _arm(self) -> None:
        if not self._open and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._grace, self._open_now)

    def _open_now(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._open = True
        self._grant()


def hold(cap: asyncio.Semaphore | CallGate, model: str, index: int) -> AbstractAsyncContextManager[object]:
    """One slot of ``cap`` for ``model``'s call on item ``index``: ordered for a gate, first come for a semaphore."""
    return cap.slot(model, index) if isinstance(cap, CallGate) else cap
