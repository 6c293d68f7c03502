"""The response cache: successful answers keyed by the digest of their full request, reused within a TTL.

Only successes are cached: an error may not happen again, and a cached failure would hide a fixed endpoint. A
cached row is marked ``cached=True`` and keeps the latency, usage and cost of the original call; its cost is the
price of that answer (so rankings compare like with like) but it was not spent again: reports show it apart as
"cached, not spent" (see :func:`llmbench.pricing.spend_summary`), never as a cost of $0.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from pydantic import BaseModel, Field
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import SQLAlchemyError

from llmbench.errors import StoreError
from llmbench.store.database import Database, open_database
from llmbench.store.schema import CACHE, RESULTS, RUNS, describe, upsert
from llmbench.store.writer import Write
from llmbench.types import DatasetItem, ModelResult

__all__ = [
    "DEFAULT_TTL_HOURS",
    "CacheStats",
    "ResponseCache",
    "clear_cache",
    "open_cache",
]

DEFAULT_TTL_HOURS = 168.0  # a week: long enough to resume or rerun, short enough that models drift out
_MAX_IN = 500  # hashes per IN (...) query


class CacheStats(BaseModel):
    """What ``llmbench cache stats`` shows."""

    location: str
    entries: int
    size_bytes: int
    oldest: float | None = Field(description="Epoch seconds of the oldest entry")
    newest: float | None
    ttl_hours: float
    last_run_id: str | None = None
    last_run_hits: int = 0
    last_run_misses: int = 0


class ResponseCache:
    """Successful answers by request digest, in the store's database; entries older than the TTL are ignored."""

    def __init__(self, database: Database, ttl_hours: float = DEFAULT_TTL_HOURS) -> None:
        self.db = database
        self.location = database.location
        self.ttl_hours = ttl_hours
        self._upsert = upsert(
            database.engine, CACHE, ["request_hash"], ["provider", "model", "data", "size", "created_at"]
        )

    def _fresh_after(self) -> float:
        return time.time() - self.ttl_hours * 3600

    def get_many(self, hashes: Sequence[str]) -> dict[str, ModelResult]:
        """Fresh entries among ``hashes`` (one query per 500), as stored: unscored successes."""
        found: dict[str, ModelResult] = {}
        unique = sorted(set(hashes))
        try:
            with self.db.engine.connect() as conn:
                for start in range(0, len(unique), _MAX_IN):
                    query = select(CACHE.c.request_hash, CACHE.c.data).where(
                        CACHE.c.request_hash.in_(unique[start : start + _MAX_IN]),
                        CACHE.c.created_at >= self._fresh_after(),
                    )
                    found.update((key, ModelResult.model_validate_json(data)) for key, data in conn.execute(query))
        except SQLAlchemyError as error:
            raise StoreError(f"response cache {self.location}: cannot read: {describe(error)}") from error
        return found

    def put(self, request_hash: str, provider: str, result: ModelResult) -> None:
        """Queue a success for the writer thread (failures and already cached rows are ignored)."""
        if not result.success or result.cached:
            return
        data = result.model_dump_json(exclude={"scores", "score_details", "evaluated"})
        row = {
            "request_hash": request_hash,
            "provider": provider,
            "model": result.model,
            "data": data,
            "size": len(data),
            "created_at": time.time(),
        }
        self.db.writer.put(Write(self._upsert, [row], "cache"))

    @staticmethod
    def serve(entry: ModelResult, item: DatasetItem) -> ModelResult:
        """A cache entry as this item's row: marked cached, no call made in this run (attempts 0)."""
        return entry.model_copy(update={"item_id": item.id, "task_type": item.task_type, "cached": True, "attempts": 0})

    def stats(self) -> CacheStats:
        self.db.writer.flush()
        totals = select(func.count(), func.coalesce(func.sum(CACHE.c.size), 0), func.min(CACHE.c.created_at))
        try:
            with self.db.engine.connect() as conn:
                entries, size, oldest = conn.execute(totals.select_from(CACHE)).one()
                newest = conn.execute(select(func.max(CACHE.c.created_at))).scalar_one()
                last = conn.execute(select(RUNS.c.run_id).order_by(RUNS.c.updated_at.desc()).limit(1)).scalar()
                hits = misses = 0
                if last is not None:
                    of_run = select(RESULTS.c.cached, func.count()).where(
                        RESULTS.c.run_id == last, or_(RESULTS.c.attempts > 0, RESULTS.c.cached.is_(True))
                    )
                    for cached, count in conn.execute(of_run.group_by(RESULTS.c.cached)):
                        hits, misses = (hits + count, misses) if cached else (hits, misses + count)
        except SQLAlchemyError as error:
            raise StoreError(f"response cache {self.location}: cannot read: {describe(error)}") from error
        return CacheStats(
            location=self.location,
            entries=int(entries),
            size_bytes=int(size),
            oldest=oldest,
            newest=newest,
            ttl_hours=self.ttl_hours,
            last_run_id=last,
            last_run_hits=hits,
            last_run_misses=misses,
        )

    def clear(self, *, older_than_hours: float | None = None, model: str | None = None) -> int:
        """Delete entries (all, or older than some hours, or of one ``provider/model``); returns how many."""
        self.db.writer.flush()
        stmt = delete(CACHE)
        if older_than_hours is not None:
            stmt = stmt.where(CACHE.c.created_at < time.time() - older_than_hours * 3600)
        if model is not None:
            stmt = stmt.where(CACHE.c.model == model)
        try:
            with self.db.engine.begin() as conn:
                return int(conn.execute(stmt).rowcount or 0)
        except SQLAlchemyError as error:
            raise StoreError(f"response cache {self.location}: cannot clear: {describe(error)}") from error


def open_cache(url: str | None = None, ttl_hours: float = DEFAULT_TTL_HOURS) -> ResponseCache:
    """The cache on the shared database of ``url`` (default: the llmbench home's ``store.db``)."""
    return ResponseCache(open_database(url), ttl_hours)


def clear_cache(url: str | None = None, *, older_than_hours: float | None = None, model: str | None = None) -> int:
    """``llmbench cache clear``: see :meth:`ResponseCache.clear`."""
    return open_cache(url).clear(older_than_hours=older_than_hours, model=model)
