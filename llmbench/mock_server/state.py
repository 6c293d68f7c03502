"""What one running server remembers: the requests it received, its concurrency peak and fault counters."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from aiohttp import web

from llmbench.mock_server.config import MockServerConfig

__all__ = ["STATE_KEY", "RecordedRequest", "RequestLog", "ServerState"]

MOCK_HEADER_PREFIX = "x-mock-"


@dataclass(frozen=True)
class RecordedRequest:
    """One received request. Only header *names* are kept (plus ``x-mock-*`` values): no key is ever stored."""

    method: str
    path: str
    model: str | None
    header_names: tuple[str, ...]
    mock_headers: dict[str, str]
    received_at: float = field(default_factory=time.time)


class RequestLog:
    """Thread-safe, append-only record of requests; read from the test thread while the server writes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def append(self, item: RecordedRequest) -> None:
        with self._lock:
            self._items.append(item)

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def count(self, *, path: str | None = None, model: str | None = None) -> int:
        """Requests matching every filter given."""
        return sum(1 for r in self.snapshot() if path in (None, r.path) and model in (None, r.model))

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(self.snapshot())

    def __getitem__(self, index: int) -> RecordedRequest:
        with self._lock:
            return self._items[index]

    def __repr__(self) -> str:
        return f"RequestLog({len(self)} requests)"


class ServerState:
    """Mutable state shared by the handlers of one app; the locks make it readable from other threads."""

    def __init__(self, config: MockServerConfig) -> None:
        self.config = config
        self.requests = RequestLog()
        self._lock = threading.Lock()
        self._in_flight = 0
        self._max_in_flight = 0
        self._fault_hits: dict[str, int] = {}
        self._peers: set[object] = set()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def max_in_flight(self) -> int:
        return self._max_in_flight

    @property
    def connections(self) -> int:
        """Distinct client connections (peer address and port) seen so far."""
        with self._lock:
            return len(self._peers)

    def enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)

    def leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def hit_fault(self, key: str) -> int:
        """Count one request for ``key``; returns how many came before it."""
        with self._lock:
            seen = self._fault_hits.get(key, 0)
            self._fault_hits[key] = seen + 1
            return seen

    def record(self, request: web.Request, model: str | None) -> None:
        if request.transport is not None:
            with self._lock:
                self._peers.add(request.transport.get_extra_info("peername"))
        names = tuple(sorted({name.lower() for name in request.headers}))
        mock = {k.lower(): v for k, v in request.headers.items() if k.lower().startswith(MOCK_HEADER_PREFIX)}
        self.requests.append(RecordedRequest(request.method, request.path, model, names, mock))


STATE_KEY = web.AppKey("llmbench_mock_state", ServerState)
