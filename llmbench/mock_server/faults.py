"""Choosing the fault of a request (``x-mock-*`` headers first, then the model's configured fault).

Headers: ``x-mock-fault: <kind>`` (a ``FaultKind`` value), ``x-mock-fault-count: N`` with
``x-mock-fault-key: <any string>`` (only the first N requests carrying that key fail), ``x-mock-retry-after``
(Retry-After of ``rate_limit``, verbatim, default "1") and ``x-mock-delay`` (seconds slept by ``timeout``,
default 30).
"""

from __future__ import annotations

import asyncio
from typing import NoReturn

from aiohttp import web

from llmbench.mock_server.config import DEFAULT_DELAY_S, DEFAULT_RETRY_AFTER, FaultKind, FaultSpec
from llmbench.mock_server.problems import Problem, ProblemKind
from llmbench.mock_server.state import STATE_KEY

__all__ = [
    "DELAY_HEADER",
    "FAULT_COUNT_HEADER",
    "FAULT_HEADER",
    "FAULT_KEY_HEADER",
    "RETRY_AFTER_HEADER",
    "abort_connection",
    "fault_delay",
    "problem_for_fault",
    "select_fault",
]

FAULT_HEADER = "x-mock-fault"
FAULT_COUNT_HEADER = "x-mock-fault-count"
FAULT_KEY_HEADER = "x-mock-fault-key"
RETRY_AFTER_HEADER = "x-mock-retry-after"
DELAY_HEADER = "x-mock-delay"

_ERROR_KINDS: dict[FaultKind, tuple[ProblemKind, str]] = {
    FaultKind.RATE_LIMIT: (ProblemKind.RATE_LIMIT, "Rate limit reached for requests. Please try again later."),
    FaultKind.SERVER_ERROR: (ProblemKind.SERVER_ERROR, "The server had an error while processing your request."),
    FaultKind.UNAVAILABLE: (ProblemKind.UNAVAILABLE, "The server is overloaded. Please try again later."),
    FaultKind.AUTH: (ProblemKind.AUTH, "Invalid API key."),
    FaultKind.BAD_REQUEST: (ProblemKind.BAD_REQUEST, "Invalid request (injected by x-mock-fault)."),
}


def _header_fault(request: web.Request, model: str) -> tuple[FaultSpec, str] | None:
    raw = request.headers.get(FAULT_HEADER)
    if not raw:
        return None
    try:
        kind = FaultKind(raw.strip().lower())
    except ValueError:
        kinds = ", ".join(k.value for k in FaultKind)
        raise Problem(
            ProblemKind.BAD_REQUEST, f"{FAULT_HEADER}: unknown kind {raw!r}; expected one of {kinds}"
        ) from None
    count = _number(request, FAULT_COUNT_HEADER, int)
    delay = _number(request, DELAY_HEADER, float)
    spec = FaultSpec(
        kind=kind,
        count=int(count) if count is not None else None,
        retry_after=request.headers.get(RETRY_AFTER_HEADER),
        delay_s=delay,
    )
    key = request.headers.get(FAULT_KEY_HEADER) or f"header|{kind}|{request.path}|{model}"
    return spec, key


def _number(request: web.Request, header: str, kind: type[int] | type[float]) -> float | None:
    raw = request.headers.get(header)
    if raw is None:
        return None
    try:
        value = kind(raw)
    except ValueError:
        raise Problem(ProblemKind.BAD_REQUEST, f"{header}: expected a number, got {raw!r}") from None
    if value < 0:
        raise Problem(ProblemKind.BAD_REQUEST, f"{header}: must not be negative")
    return value


def select_fault(request: web.Request, model: str) -> FaultSpec | None:
    """The fault this request gets, after counting it against ``count``; None when it should succeed."""
    state = request.app[STATE_KEY]
    chosen = _header_fault(request, model)
    if chosen is None:
        configured = state.config.faults.get(model)
        if configured is None:
            return None
        chosen = configured, f"config|{model}"
    spec, key = chosen
    if spec.count is not None and state.hit_fault(key) >= spec.count:
        return None
    return spec


def problem_for_fault(spec: FaultSpec) -> Problem | None:
    """The HTTP error a fault stands for; None for faults that shape the response instead."""
    if spec.kind not in _ERROR_KINDS:
        return None
    kind, message = _ERROR_KINDS[spec.kind]
    retry_after = (spec.retry_after or DEFAULT_RETRY_AFTER) if kind is ProblemKind.RATE_LIMIT else None
    return Problem(kind, message, retry_after=retry_after)


def fault_delay(spec: FaultSpec) -> float:
    return spec.delay_s if spec.delay_s is not None else DEFAULT_DELAY_S


async def abort_connection(request: web.Request) -> NoReturn:
    """Close the TCP connection with whatever was already written, so the client sees a connection error."""
    if request.transport is not None:
        request.transport.close()
    # With handler_cancellation (as MockServer runs it) the closed connection cancels this handler here;
    # the sleep only bounds the wait when the app runs without it.
    await asyncio.sleep(1.0)
    raise ConnectionResetError("connection closed on purpose by the mock server")
