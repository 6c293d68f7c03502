"""Writing rows from a background thread, in batches, so persisting a result never waits on the database.

A call that completes hands its row to :meth:`BatchWriter.put` (a queue append, microseconds) and goes on; the
thread commits whatever arrived within ``interval_s`` (20 ms) in one transaction. :meth:`flush` waits until everything
put before it is committed: runners flush when they finish and when they are cancelled.

What a ``kill -9`` can lose: the rows queued but not yet committed, i.e. calls that completed within the last
batch interval (20 ms) or while a commit was in progress. Those pairs are simply called again on
resume. Committed rows survive: SQLite runs in WAL mode with ``synchronous=NORMAL``, durable against a crash of
the process (a power loss may roll back the last transactions); PostgreSQL commits are durable.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from llmbench.errors import StoreError
from llmbench.store.schema import describe

__all__ = ["DEFAULT_INTERVAL_S", "BatchWriter", "Write"]

DEFAULT_INTERVAL_S = 0.02
_MAX_BATCH = 1000
_COMMIT_ATTEMPTS = 4
_FLUSH_TIMEOUT_S = 60.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Write:
    """Rows for one statement; writes of the same statement in a batch are executed together."""

    statement: Any
    rows: Sequence[dict[str, Any]]
    kind: str


@dataclass
class _Flush:
    done: threading.Event = field(default_factory=threading.Event)


class BatchWriter:
    """One daemon thread per store committing queued writes every ``interval_s``; see the module docstring."""

    def __init__(self, engine: Engine, location: str, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        self._engine = engine
        self._location = location
        self._interval = interval_s
        self._queue: queue.SimpleQueue[Write | _Flush | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.committed_rows = 0
        _WRITERS.add(self)

    def put(self, write: Write) -> None:
        """Queue rows for the next commit; never blocks on the database."""
        if self._closed:
            raise StoreError(f"result store {self._location} is closed")
        if self._thread is None or not self._thread.is_alive():
            self._start()
        self._queue.put(write)

    def flush(self, timeout: float = _FLUSH_TIMEOUT_S) -> None:
        """Wait until every write queued before this call is committed; raise if a commit failed."""
        if self._thread is not None and self._thread.is_alive():
            marker = _Flush()
            self._queue.put(marker)
            if not marker.done.wait(timeout):
                raise StoreError(f"result store {self._location}: writes not committed within {timeout:g} s")
        with self._lock:
            error, self._error = self._error, None
        if error is not None:
            raise StoreError(f"result store {self._location}: a write failed: {describe(error)}") from error

    def close(self) -> None:
        if self._closed:
            return
        try:
            self.flush()
        finally:
            self._closed = True
            if self._thread is not None:
                self._queue.put(None)
                self._thread.join(5)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="llmbench-store-writer", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, markers = self._collect(first)
            if batch:
                self._commit(batch)
            for marker in markers:
                marker.done.set()

    def _collect(self, first: Write | _Flush) -> tuple[list[Write], list[_Flush]]:
        """``first`` and everything queued within the batch interval after it (a flush marker ends the batch).

        The thread sleeps through the interval instead of waking for every row: the event loop running the
        calls shares the GIL with it, so one wake-up per batch keeps the loop responsive.
        """
        if isinstance(first, _Flush):
            return [], [first]
        batch: list[Write] = [first]
        markers: list[_Flush] = []
        time.sleep(self._interval)
        while len(batch) < _MAX_BATCH:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:  # close() arrived mid-batch: put it back for the loop
                self._queue.put(None)
                break
            if isinstance(item, _Flush):
                markers.append(item)
                break
            batch.append(item)
        return batch, markers

    def _commit(self, batch: list[Write]) -> None:
        grouped: dict[int, tuple[Any, list[dict[str, Any]]]] = {}
        for write in batch:
            grouped.setdefault(id(write.statement), (write.statement, []))[1].extend(write.rows)
        for attempt in range(_COMMIT_ATTEMPTS):
            try:
                with self._engine.begin() as conn:
                    for statement, rows in grouped.values():
                        conn.execute(statement, rows)
                self.committed_rows += sum(len(rows) for _, rows in grouped.values())
                return
            except OperationalError as error:  # "database is locked" beyond the busy timeout, a dropped connection
                if attempt == _COMMIT_ATTEMPTS - 1:
                    self._fail(error)
                    return
                time.sleep(0.05 * 2**attempt)
            except SQLAlchemyError as error:
                self._fail(error)
                return

    def _fail(self, error: BaseException) -> None:
        log.error("result store %s: a batch of writes failed: %s", self._location, error)
        with self._lock:
            self._error = error


_WRITERS: weakref.WeakSet[BatchWriter] = weakref.WeakSet()


def _flush_all(flush: Callable[[BatchWriter], None] = BatchWriter.close) -> None:
    """At interpreter exit (normal end, Ctrl-C), commit what is queued rather than drop it."""
    for writer in list(_WRITERS):
        try:
            flush(writer)
        except StoreError as error:
            log.error("%s", error)


atexit.register(_flush_all)
