"""Ollama native protocol: ``POST /api/chat`` (JSON, or NDJSON streamed by default), ``GET /api/tags``.

Durations are nanoseconds measured around the latency really awaited, so they add up like Ollama's own.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from llmbench.mock_server.chat import ChatRequest, Reply, Vendor, message_text, paced, prepare, read_json, wait_latency
from llmbench.mock_server.config import FaultKind
from llmbench.mock_server.faults import abort_connection
from llmbench.mock_server.problems import Problem, ProblemKind
from llmbench.mock_server.responses import STREAM_CUT_AFTER, json_reply, start_stream
from llmbench.mock_server.state import STATE_KEY

__all__ = ["chat", "ollama_error", "tags", "version"]

OLLAMA_VERSION = "0.6.0-llmbench-mock"
MODIFIED_AT = "2024-01-01T00:00:00Z"
_STATUS = {
    ProblemKind.AUTH: 401,
    ProblemKind.NOT_FOUND: 404,
    ProblemKind.RATE_LIMIT: 429,
    ProblemKind.SERVER_ERROR: 500,
    ProblemKind.UNAVAILABLE: 503,
    ProblemKind.CONTEXT_LENGTH: 400,
    ProblemKind.BAD_REQUEST: 400,
}
_ERROR_BODY = {"error": "an error was encountered while running the model: unexpected EOF"}


def ollama_error(problem: Problem) -> web.Response:
    headers = {"Retry-After": problem.retry_after} if problem.retry_after is not None else None
    return web.json_response({"error": problem.message}, status=_STATUS[problem.kind], headers=headers)


def _model_not_found(model: str) -> Problem:
    return Problem(ProblemKind.NOT_FOUND, f"model '{model}' not found")


def _context_exceeded(model: str, window: int, prompt: int, max_tokens: int | None) -> Problem:
    requested = prompt + (max_tokens or 0)
    return Problem(
        ProblemKind.CONTEXT_LENGTH, f"the input length ({requested} tokens) exceeds the context length ({window})"
    )


VENDOR = Vendor(model_not_found=_model_not_found, context_exceeded=_context_exceeded)


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _model_name(raw: str) -> str:
    """``llama-mock:latest`` names the same model as ``llama-mock``, as in Ollama."""
    return raw.removesuffix(":latest")


def parse_chat(body: dict[str, Any]) -> ChatRequest:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise Problem(ProblemKind.BAD_REQUEST, "model is required")
    messages = body.get("messages") or []
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise Problem(ProblemKind.BAD_REQUEST, "invalid messages: expected a list of objects")
    options = body.get("options") or {}
    num_predict = options.get("num_predict") if isinstance(options, dict) else None
    if num_predict is not None and (not isinstance(num_predict, int) or isinstance(num_predict, bool)):
        raise Problem(ProblemKind.BAD_REQUEST, 'option "num_predict" must be an integer')
    max_tokens = num_predict if num_predict is not None and num_predict >= 0 else None  # -1/-2: unlimited
    stream = body.get("stream", True)  # Ollama streams unless told not to
    if not isinstance(stream, bool):
        raise Problem(ProblemKind.BAD_REQUEST, "stream must be a boolean")
    texts = tuple(message_text(m.get("content")) for m in messages)
    users = [message_text(m.get("content")) for m in messages if m.get("role") == "user"]
    last_user = users[-1] if users else (texts[-1] if texts else "")
    return ChatRequest(_model_name(model), texts, last_user, max_tokens, stream, _format_schema(body))


def _format_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    """``format``: a JSON schema object, or ``"json"`` (any JSON, no schema)."""
    fmt = body.get("format")
    if fmt is None or fmt == "" or fmt == "json":
        return None
    if not isinstance(fmt, dict):
        raise Problem(ProblemKind.BAD_REQUEST, f'invalid format: expected "json" or a JSON schema, got {fmt!r}')
    return fmt


def _final(reply: Reply, content: str, prompt_ns: int, eval_ns: int, load_ns: int) -> dict[str, Any]:
    return {
        "model": reply.model.name,
        "created_at": _now(),
        "message": {"role": "assistant", "content": content},
        "done_reason": "length" if reply.truncated else "stop",
        "done": True,
        "total_duration": time.perf_counter_ns() - reply.started_ns,
        "load_duration": load_ns,
        "prompt_eval_count": reply.prompt_tokens,
        "prompt_eval_duration": prompt_ns,
        "eval_count": reply.completion_tokens,
        "eval_duration": eval_ns,
    }


async def chat(request: web.Request) -> web.StreamResponse:
    try:
        body = await read_json(request)
        request_chat = parse_chat(body)
        if not request_chat.texts:
            return _load_response(request, request_chat.model)
        reply = await prepare(request, request_chat, VENDOR)
    except Problem as problem:
        return ollama_error(problem)
    load_ns = time.perf_counter_ns() - reply.started_ns
    if request_chat.stream:
        return await _stream(request, reply, load_ns)
    prompt_ns, eval_ns = await wait_latency(reply.model)
    return await json_reply(request, reply, _final(reply, reply.text, prompt_ns, eval_ns, load_ns), _ERROR_BODY, {})


def _load_response(request: web.Request, name: str) -> web.Response:
    """No messages: Ollama just loads the model and says so."""
    model = request.app[STATE_KEY].config.model_named(name)
    if model is None:
        raise _model_not_found(name)
    message = {"role": "assistant", "content": ""}
    return web.json_response(
        {"model": model.name, "created_at": _now(), "message": message, "done_reason": "load", "done": True}
    )


async def _stream(request: web.Request, reply: Reply, load_ns: int) -> web.StreamResponse:
    response = await start_stream(request, "application/x-ndjson", {})

    async def send(data: dict[str, Any]) -> None:
        await response.write(json.dumps(data).encode() + b"\n")

    if reply.has_fault(FaultKind.ERROR_BODY):
        await send(_ERROR_BODY)
        await response.write_eof()
        return response
    if reply.has_fault(FaultKind.MALFORMED):
        await response.write(b'{"model": "' + reply.model.name.encode() + b'", "message": {\n')
    started = time.perf_counter_ns()
    first = started
    sent = 0
    async for piece in paced(reply.model, reply.text):
        if sent == 0:
            first = time.perf_counter_ns()
        message = {"role": "assistant", "content": piece}
        await send({"model": reply.model.name, "created_at": _now(), "message": message, "done": False})
        sent += 1
        if sent == STREAM_CUT_AFTER and reply.has_fault(FaultKind.STREAM_CUT):
            await abort_connection(request)
    if reply.has_fault(FaultKind.STREAM_CUT):
        await abort_connection(request)
    await send(_final(reply, "", first - started, time.perf_counter_ns() - first, load_ns))
    await response.write_eof()
    return response


async def tags(request: web.Request) -> web.Response:
    models = [
        {
            "name": f"{m.name}:latest",
            "model": f"{m.name}:latest",
            "modified_at": MODIFIED_AT,
            "size": 0,
            "digest": f"sha256:{hashlib.sha256(m.name.encode()).hexdigest()}",
            "details": {
                "parent_model": "",
                "format": "gguf",
                "family": "llmbench-mock",
                "families": ["llmbench-mock"],
                "parameter_size": "0B",
                "quantization_level": "none",
            },
        }
        for m in request.app[STATE_KEY].config.models
    ]
    return web.json_response({"models": models})


async def version(request: web.Request) -> web.Response:
    return web.json_response({"version": OLLAMA_VERSION})
