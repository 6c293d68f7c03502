"""The vendor-neutral part of one chat request: fault, model lookup, context check, answer and pacing.

The answer is the model's deterministic reply, or a judge's verdict (:mod:`llmbench.mock_server.judge`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from llmbench.mock_server.answers import answer_for, count_tokens, split_chunks, truncate_tokens
from llmbench.mock_server.config import FaultKind, FaultSpec, MockModel
from llmbench.mock_server.faults import abort_connection, fault_delay, problem_for_fault, select_fault
from llmbench.mock_server.judge import judge_mode, judge_text
from llmbench.mock_server.problems import Problem, ProblemKind
from llmbench.mock_server.state import STATE_KEY

__all__ = ["ChatRequest", "Reply", "Vendor", "message_text", "paced", "prepare", "read_json", "wait_latency"]


@dataclass(frozen=True)
class ChatRequest:
    """What every protocol's chat request boils down to."""

    model: str
    texts: tuple[str, ...]  # the text of every message and of the system prompt
    last_user: str
    max_tokens: int | None
    stream: bool
    response_schema: dict[str, Any] | None = None  # structured output asked for, in any protocol's field

    @property
    def prompt_tokens(self) -> int:
        return sum(count_tokens(t) for t in self.texts)


@dataclass(frozen=True)
class Vendor:
    """How a protocol words the two errors whose message depends on the request."""

    model_not_found: Callable[[str], Problem]
    context_exceeded: Callable[[str, int, int, int | None], Problem]  # model, window, prompt, max tokens


@dataclass(frozen=True)
class Reply:
    """The answer to send, with its exact usage and the fault shaping how it is sent."""

    model: MockModel
    prompt_tokens: int
    text: str
    completion_tokens: int
    truncated: bool
    fault: FaultSpec | None
    started_ns: int

    def has_fault(self, kind: FaultKind) -> bool:
        return self.fault is not None and self.fault.kind is kind


def message_text(content: Any) -> str:
    """Text of a message content: a string, or the ``text`` of its text parts (other parts count 0)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


async def read_json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise Problem(ProblemKind.BAD_REQUEST, "We could not parse the JSON body of your request.") from None
    if not isinstance(body, dict):
        raise Problem(ProblemKind.BAD_REQUEST, "The request body must be a JSON object.")
    return body


async def prepare(request: web.Request, chat: ChatRequest, vendor: Vendor) -> Reply:
    """Apply the fault, find the model, check its context and build the answer (raising ``Problem``)."""
    started_ns = time.perf_counter_ns()
    config = request.app[STATE_KEY].config
    prompt_tokens = chat.prompt_tokens
    fault = select_fault(request, chat.model)
    if fault is not None:
        problem = problem_for_fault(fault)
        if problem is not None:
            raise problem
        if fault.kind is FaultKind.NOT_FOUND:
            raise vendor.model_not_found(chat.model)
        if fault.kind is FaultKind.CONTEXT_LENGTH:
            known = config.model_named(chat.model)
            window = known.context_window if known else 8192
            raise vendor.context_exceeded(chat.model, window, max(prompt_tokens, window + 1), chat.max_tokens)
        if fault.kind is FaultKind.DROP:
            await abort_connection(request)
        if fault.kind is FaultKind.TIMEOUT:
            await asyncio.sleep(fault_delay(fault))
    model = config.model_named(chat.model)
    if model is None:
        raise vendor.model_not_found(chat.model)
    if prompt_tokens + (chat.max_tokens or 0) > model.context_window:
        raise vendor.context_exceeded(model.name, model.context_window, prompt_tokens, chat.max_tokens)
    mode = judge_mode(request, model, chat.response_schema)
    text = (
        answer_for(model.name, chat.last_user)
        if mode is None
        else judge_text(mode, chat.response_schema, chat.last_user)
    )
    truncated = False
    if chat.max_tokens is not None:
        text, truncated = truncate_tokens(text, chat.max_tokens)
    if fault is not None and fault.kind is FaultKind.TRUNCATED:
        text, truncated = truncate_tokens(text, max(1, count_tokens(text) // 2))
    if fault is not None and fault.kind is FaultKind.EMPTY:
        text, truncated = "", False
    return Reply(model, prompt_tokens, text, count_tokens(text), truncated, fault, started_ns)


async def wait_latency(model: MockModel) -> tuple[int, int]:
    """Await the model's latency; returns the measured (time to first token, rest) in nanoseconds."""
    start = time.perf_counter_ns()
    await asyncio.sleep(model.first_chunk_ms / 1000)
    first = time.perf_counter_ns()
    await asyncio.sleep(max(model.latency_ms - model.first_chunk_ms, 0) / 1000)
    return first - start, time.perf_counter_ns() - first


async def paced(model: MockModel, text: str) -> AsyncIterator[str]:
    """Yield the stream pieces of ``text``: the first after ``ttft``, the last at ``latency`` (no drift)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    first = model.first_chunk_ms / 1000
    total = max(model.latency_ms / 1000, first)
    pieces = split_chunks(text)
    for index, piece in enumerate(pieces):
        due = start + first + (total - first) * index / max(len(pieces) - 1, 1)
        await asyncio.sleep(max(due - loop.time(), 0))
        yield piece
    if not pieces:
        await asyncio.sleep(total)
