"""What a :class:`~llmbench.execution.ModelRunner` asks before each call and tells after it.

Before: is this pair already done in this run (resume: returned as stored, no call)? Else is its answer cached
(returned marked ``cached``, no call)? After: a success is cached, and every outcome (failures too) is recorded
in the run the moment it completes. Lookups are loaded in bulk when a runner starts (one query per model, off
the event loop), so the calls never wait on the database; writes go through the store's writer thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from llmbench.store.cache import ResponseCache
from llmbench.store.runs import RunStore
from llmbench.types import DatasetItem, ModelResult

__all__ = ["JournalCounts", "Recalled", "RunJournal"]


@dataclass(frozen=True)
class Recalled:
    """A row that needs no call: from this run's store (``run``) or from the cache (``cache``)."""

    result: ModelResult
    source: Literal["run", "cache"]


@dataclass
class JournalCounts:
    """How the pairs of this process were served: restored from the run, from the cache, or called."""

    restored: int = 0
    cache_hits: int = 0
    calls: int = 0
    recorded: int = 0


@dataclass
class _Loaded:
    done: dict[tuple[str, str], ModelResult] = field(default_factory=dict)
    cached: dict[str, ModelResult] = field(default_factory=dict)
    keys: set[str] = field(default_factory=set)


class RunJournal:
    """The run's store (when ``run_id`` is set) and the response cache (when ``cache`` is set), for runners."""

    def __init__(self, runs: RunStore | None = None, run_id: str | None = None, cache: ResponseCache | None = None):
        self.runs = runs if run_id else None
        self.run_id = run_id
        self.cache = cache
        self.counts = JournalCounts()
        self._loaded: dict[str, _Loaded] = {}

    @property
    def active(self) -> bool:
        return self.runs is not None or self.cache is not None

    async def prefetch(self, model: str, keys: Mapping[str, str]) -> None:
        """Load what is known of ``model``'s pairs (item id -> request digest) in one round trip."""
        loaded = self._loaded.setdefault(model, _Loaded())
        todo = {item: key for item, key in keys.items() if key not in loaded.keys}
        if not todo:
            return
        done, cached = await asyncio.to_thread(self._load, model, todo)
        loaded.done.update(done)
        loaded.cached.update(cached)
        loaded.keys.update(todo.values())

    def _load(
        self, model: str, keys: Mapping[str, str]
    ) -> tuple[dict[tuple[str, str], ModelResult], dict[str, ModelResult]]:
        done: dict[tuple[str, str], ModelResult] = {}
        if self.runs is not None and self.run_id is not None:
            wanted = {(item, key) for item, key in keys.items()}
            done = {pair: row for pair, row in self.runs.done_pairs(self.run_id, model).items() if pair in wanted}
        missing = [key for item, key in keys.items() if (item, key) not in done]
        cached = self.cache.get_many(missing) if self.cache is not None and missing else {}
        return done, cached

    async def recall(self, model: str, item: DatasetItem, key: str) -> Recalled | None:
        """The stored or cached row for this pair, or None when it must be called."""
        await self.prefetch(model, {item.id: key})
        loaded = self._loaded[model]
        stored = loaded.done.get((item.id, key))
        if stored is not None:
            self.counts.restored += 1
            return Recalled(stored, "run")
        entry = loaded.cached.get(key)
        if entry is not None:
            self.counts.cache_hits += 1
            return Recalled(ResponseCache.serve(entry, item), "cache")
        return None

    def answered(self, provider: str, key: str, result: ModelResult) -> None:
        """A call completed: cache it when it succeeded."""
        self.counts.calls += 1
        if self.cache is not None:  # served from the next run on: within a run, equal requests are all called
            self.cache.put(key, provider, result)

    def record(self, key: str, result: ModelResult) -> None:
        """Persist the pair's final row (scored) in the run."""
        if self.runs is not None and self.run_id is not None:
            self.runs.record_result(self.run_id, result, key)
            self.counts.recorded += 1

    def flush(self) -> None:
        """Block until every queued write is committed (runners call it when they end or are cancelled)."""
        if self.runs is not None:
            self.runs.flush()
        elif self.cache is not None:
            self.cache.db.writer.flush()
