"""Process-local progress events: the CLI subscribes to draw a progress bar over model calls.

Calls publish here instead of taking a callback argument because flow and task parameters must stay
serialisable; a listener only sees calls made in its own process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from llmbench.types import ModelResult

__all__ = ["publish", "subscribe"]

_listeners: list[Callable[[ModelResult], None]] = []
_lock = threading.Lock()


@contextmanager
def subscribe(listener: Callable[[ModelResult], None]) -> Iterator[None]:
    """Call ``listener`` with every finished model call until the block ends."""
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)


def publish(result: ModelResult) -> None:
    for listener in list(_listeners):
        listener(result)
