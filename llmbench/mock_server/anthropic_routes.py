"""Anthropic protocol: ``POST /v1/messages`` (JSON and SSE events) and ``GET /v1/models``, errors included."""

from __future__ import annotations

import json
import secrets
from typing import Any

from aiohttp import web

from llmbench.mock_server.chat import ChatRequest, Reply, Vendor, message_text, paced, prepare, read_json, wait_latency
from llmbench.mock_server.config import FaultKind
from llmbench.mock_server.faults import abort_connection
from llmbench.mock_server.problems import Problem, ProblemKind
from llmbench.mock_server.responses import STREAM_CUT_AFTER, json_reply, start_stream
from llmbench.mock_server.state import STATE_KEY

__all__ = ["VERSION_HEADER", "anthropic_error", "list_models", "messages"]

VERSION_HEADER = "anthropic-version"
MODEL_CREATED_AT = "2024-01-01T00:00:00Z"
_STATUS = {
    ProblemKind.AUTH: (401, "authentication_error"),
    ProblemKind.NOT_FOUND: (404, "not_found_error"),
    ProblemKind.RATE_LIMIT: (429, "rate_limit_error"),
    ProblemKind.SERVER_ERROR: (500, "api_error"),
    ProblemKind.UNAVAILABLE: (529, "overloaded_error"),
    ProblemKind.CONTEXT_LENGTH: (400, "invalid_request_error"),
    ProblemKind.BAD_REQUEST: (400, "invalid_request_error"),
}
_ERROR_BODY = {"type": "error", "error": {"type": "api_error", "message": "Internal server error"}}
_OVERLOADED_EVENT = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}


def _request_id() -> str:
    return f"req_{secrets.token_hex(12)}"


def anthropic_error(problem: Problem) -> web.Response:
    status, error_type = _STATUS[problem.kind]
    request_id = _request_id()
    body = {"type": "error", "error": {"type": error_type, "message": problem.message}, "request_id": request_id}
    headers = {"request-id": request_id}
    if problem.retry_after is not None:
        headers["retry-after"] = problem.retry_after
    return web.json_response(body, status=status, headers=headers)


def _model_not_found(model: str) -> Problem:
    return Problem(ProblemKind.NOT_FOUND, f"model: {model}")


def _context_exceeded(model: str, window: int, prompt: int, max_tokens: int | None) -> Problem:
    return Problem(
        ProblemKind.CONTEXT_LENGTH,
        f"input length and `max_tokens` exceed context limit: {prompt} + {max_tokens or 0} > {window}, "
        "decrease input length or `max_tokens` and try again",
    )


VENDOR = Vendor(model_not_found=_model_not_found, context_exceeded=_context_exceeded)


def check_headers(request: web.Request) -> None:
    """The API key when the server requires one, and ``anthropic-version`` always.

    The key is accepted in ``x-api-key`` or as ``Authorization: Bearer``: recent official SDKs send the latter.
    """
    key = request.app[STATE_KEY].config.require_api_key
    if key is not None:
        given = request.headers.get("x-api-key") or request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not given:
            raise Problem(ProblemKind.AUTH, "x-api-key header is required")
        if not secrets.compare_digest(given.encode(), key.encode()):
            raise Problem(ProblemKind.AUTH, "invalid x-api-key")
    if not request.headers.get(VERSION_HEADER):
        raise Problem(ProblemKind.BAD_REQUEST, f"{VERSION_HEADER}: header is required")


def _bad(message: str) -> Problem:
    return Problem(ProblemKind.BAD_REQUEST, message)


def parse_messages(body: dict[str, Any]) -> ChatRequest:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise _bad("model: Field required")
    max_tokens = body.get("max_tokens")
    if max_tokens is None:
        raise _bad("max_tokens: Field required")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        raise _bad("max_tokens: Input should be greater than or equal to 1")
    messages = body.get("messages")
    if messages is None:
        raise _bad("messages: Field required")
    if not isinstance(messages, list) or not messages:
        raise _bad("messages: at least one message is required")
    for index, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ("user", "assistant"):
            raise _bad(f"messages.{index}.role: Input should be 'user' or 'assistant'")
    system = body.get("system")
    if system is not None and not isinstance(system, str | list):
        raise _bad("system: Input should be a valid string or a list of text blocks")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise _bad("stream: Input should be a valid boolean")
    texts = tuple(message_text(m.get("content")) for m in messages)
    users = [message_text(m.get("content")) for m in messages if m["role"] == "user"]
    if system is not None:
        texts = (message_text(system), *texts)
    last_user = users[-1] if users else texts[-1]
    return ChatRequest(model, texts, last_user, max_tokens, stream, _output_schema(body))


def _output_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema of ``output_config.format`` (structured outputs), or None when none is asked for."""
    config = body.get("output_config")
    if config is None:
        return None
    fmt = config.get("format") if isinstance(config, dict) else None
    if fmt is None:
        return None
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        raise _bad("output_config.format.type: Input should be 'json_schema'")
    schema = fmt.get("schema")
    if not isinstance(schema, dict):
        raise _bad("output_config.format.schema: Field required")
    return schema


async def messages(request: web.Request) -> web.StreamResponse:
    try:
        check_headers(request)
        chat = parse_messages(await read_json(request))
        reply = await prepare(request, chat, VENDOR)
    except Problem as problem:
        return anthropic_error(problem)
    if chat.stream:
        return await _stream(request, reply)
    await wait_latency(reply.model)
    content = [] if reply.has_fault(FaultKind.EMPTY) else [{"type": "text", "text": reply.text}]
    body = _message(reply, content, _stop_reason(reply), reply.completion_tokens)
    return await json_reply(request, reply, body, _ERROR_BODY, {"request-id": _request_id()})


def _stop_reason(reply: Reply) -> str:
    return "max_tokens" if reply.truncated else "end_turn"


def _message(reply: Reply, content: list[dict[str, Any]], stop_reason: str | None, output: int) -> dict[str, Any]:
    return {
        "id": f"msg_{secrets.token_hex(12)}",
        "type": "message",
        "role": "assistant",
        "model": reply.model.name,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": reply.prompt_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": output,
        },
    }


async def _stream(request: web.Request, reply: Reply) -> web.StreamResponse:
    response = await start_stream(request, "text/event-stream; charset=utf-8", {"request-id": _request_id()})

    async def send(event: str, data: dict[str, Any]) -> None:
        await response.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())

    # The real API reports a first output token in message_start; message_delta carries the cumulative total.
    await send("message_start", {"type": "message_start", "message": _message(reply, [], None, 1)})
    if reply.has_fault(FaultKind.ERROR_BODY):
        await send("error", _OVERLOADED_EVENT)
        await response.write_eof()
        return response
    if reply.has_fault(FaultKind.EMPTY):  # a message with no content block at all
        delta: dict[str, Any] = {"stop_reason": "end_turn", "stop_sequence": None}
        await send("message_delta", {"type": "message_delta", "delta": delta, "usage": {"output_tokens": 0}})
        await send("message_stop", {"type": "message_stop"})
        await response.write_eof()
        return response
    block = {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
    await send("content_block_start", block)
    await send("ping", {"type": "ping"})
    if reply.has_fault(FaultKind.MALFORMED):
        await response.write(b'event: content_block_delta\ndata: {"type": "content_block_delta", "index": \n\n')
    sent = 0
    async for piece in paced(reply.model, reply.text):
        delta = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
        await send("content_block_delta", delta)
        sent += 1
        if sent == STREAM_CUT_AFTER and reply.has_fault(FaultKind.STREAM_CUT):
            await abort_connection(request)
    if reply.has_fault(FaultKind.STREAM_CUT):
        await abort_connection(request)
    await send("content_block_stop", {"type": "content_block_stop", "index": 0})
    await send(
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": _stop_reason(reply), "stop_sequence": None},
            "usage": {"output_tokens": reply.completion_tokens},
        },
    )
    await send("message_stop", {"type": "message_stop"})
    await response.write_eof()
    return response


async def list_models(request: web.Request) -> web.Response:
    try:
        check_headers(request)
    except Problem as problem:
        return anthropic_error(problem)
    models = request.app[STATE_KEY].config.models
    data = [{"type": "model", "id": m.name, "display_name": m.name, "created_at": MODEL_CREATED_AT} for m in models]
    first, last = (data[0]["id"], data[-1]["id"]) if data else (None, None)
    return web.json_response({"data": data, "has_more": False, "first_id": first, "last_id": last})
