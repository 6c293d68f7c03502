"""How a run uses the store and the cache, resolved from the config where the run executes.

The URL may hold a database password, so it is a ``SecretStr`` excluded from dumps and reprs (as API keys are
in :class:`~llmbench.types.ModelConfig`): a run record, a Prefect parameter or a log never shows it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from llmbench.errors import StoreError
from llmbench.store.cache import DEFAULT_TTL_HOURS, ResponseCache
from llmbench.store.database import open_database
from llmbench.store.holders import SlotRegistry
from llmbench.store.journal import RunJournal
from llmbench.store.runs import RunRecord, RunSpec, RunStatus, RunStore

__all__ = ["StoreSettings", "recording"]

log = logging.getLogger(__name__)


class StoreSettings(BaseModel):
    """Whether to persist and resume, whether to reuse cached answers, and in which database."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: SecretStr | None = Field(default=None, exclude=True, repr=False, description="None: the llmbench home")
    persist: bool = True
    resume: str | None = Field(default=None, description="Run id to resume; None resumes this benchmark's last")
    cache: bool = True
    cache_ttl_hours: float = Field(default=DEFAULT_TTL_HOURS, gt=0)

    @property
    def active(self) -> bool:
        return self.persist or self.cache

    def _url(self) -> str | None:
        return self.url.get_secret_value() if self.url is not None else None

    def location(self) -> str:
        """Where the store is, as it may be shown (no password)."""
        return open_database(self._url()).location

    def run_store(self) -> RunStore | None:
        return RunStore(open_database(self._url())) if self.persist else None

    def response_cache(self) -> ResponseCache | None:
        return ResponseCache(open_database(self._url()), self.cache_ttl_hours) if self.cache else None

    def slot_registry(self) -> SlotRegistry:
        """Holders of provider slots are recorded in the same database, whether or not results are persisted."""
        return SlotRegistry(open_database(self._url()))

    def begin_run(self, spec: RunSpec) -> RunRecord | None:
        """The run record to persist into (resumed when unfinished), or None when persisting is off."""
        store = self.run_store()
        return store.begin_run(spec, self.resume) if store is not None else None

    def journal(self, run_id: str | None) -> RunJournal:
        """What a runner of this run consults; inactive when both the store and the cache are off."""
        store = self.run_store()
        return RunJournal(store, run_id if store is not None else None, self.response_cache())


@asynccontextmanager
async def recording(settings: StoreSettings, spec: RunSpec) -> AsyncIterator[RunRecord | None]:
    """The run record for the block (None when not persisting), and how the run ended once the block exits.

    Complete when every pair is stored, interrupted when cancelled (Ctrl-C, a Prefect cancellation) or pairs are
    missing, failed on an exception; a failure to record the end is logged, never raised over the real error.
    """
    record = await asyncio.to_thread(settings.begin_run, spec)
    store = settings.run_store()
    if record is None or store is None:
        yield None
        return
    try:
        yield record
    except (asyncio.CancelledError, KeyboardInterrupt):
        _finish(store, record.run_id, RunStatus.INTERRUPTED)
        raise
    except BaseException:
        _finish(store, record.run_id, RunStatus.FAILED)
        raise
    await asyncio.to_thread(store.finish_run, record.run_id)


def _finish(store: RunStore, run_id: str, status: RunStatus) -> None:
    try:
        store.finish_run(run_id, failed=status is RunStatus.FAILED, interrupted=status is RunStatus.INTERRUPTED)
    except StoreError as error:
        log.error("could not record the end of run %s: %s", run_id, error)
